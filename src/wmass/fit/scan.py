"""Profile-likelihood scans: 2ΔNLL(p) with all other parameters minimised (rabbit ``nll_scan``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from wmass.fit.covariance import FitError

__all__ = ["nll_scan"]


def nll_scan(fitter: Any, res: Any, cov: np.ndarray, param: str, points: int = 11, nsigma: float = 3.0) -> dict[str, Any]:
    """Scan ``param`` over x̂ ± ``nsigma`` σ in ``points`` steps; returns offsets from x̂, values and 2ΔNLL.

    Offsets (not absolute values) are returned so that a blinded parameter's scan reveals nothing.
    """
    if param not in fitter.names:
        raise FitError(f"cannot scan {param!r}: not a fit parameter")
    i = fitter.names.index(param)
    sigma = float(np.sqrt(cov[i, i]))
    offsets = np.linspace(-nsigma, nsigma, points) * sigma
    free = np.ones(len(res.x), dtype=bool)
    free[i] = False
    dnll = np.zeros(points)
    order = np.argsort(np.abs(offsets))  # start next to the minimum, walk outwards
    starts: dict[int, np.ndarray] = {}
    for k in order:
        prev = [j for j in starts if np.sign(offsets[j]) in (0, np.sign(offsets[k]))]
        xs = (starts[max(prev, key=lambda j: abs(offsets[j]))] if prev else res.x).copy()
        xs[i] = res.x[i] + offsets[k]
        r = fitter.fit(x_start=xs, free=free)
        starts[k] = r.x
        dnll[k] = 2.0 * (r.nll - res.nll)
    return {"param": param, "offset": offsets, "sigma": sigma, "two_dnll": dnll}
