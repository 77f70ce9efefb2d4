"""Tune of the parametric pT^V spectrum (wmass.theory.ptv) to Pythia 8's initial-state shower.

The fast generator's pT^V density f(pT; σ_NP, p0, n, λ) is fitted to the normalised pT^V
histogram of a Pythia sample of the same boson and PDF: a binned χ² of the bin fractions in
[0, edges[-1]], with the statistical errors of the Pythia sample plus a relative tolerance for bins
above ``tail_from`` (the tune targets the region below 30 GeV, where the W mass sensitivity is;
the tail only has to stay sensible). Model bin fractions are exact integrals of the tabulated
density, so the χ² is smooth in the parameters and no fast sample is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from wmass.generate.pythia_compare import normalised_hist
from wmass.theory.ptv import PTV_KEYS, ptv_density

__all__ = ["DEFAULT_BOUNDS", "PTV_KEYS", "TUNE_EDGES", "PtvFit", "compare_ptv", "fit_ptv", "ptv_bin_fractions"]

#: Default bins: 1 GeV up to 30 GeV, then a coarse tail.
TUNE_EDGES = np.concatenate([np.arange(0.0, 30.0, 1.0), [30.0, 35.0, 40.0, 50.0, 60.0, 80.0, 100.0]])
#: Default fit bounds (GeV or dimensionless). σ_NP ≥ 0.5 GeV keeps a genuine intrinsic-kT component
#: (Pythia's primordial kT); λ spans a damping from strong (5 GeV) to negligible (500 GeV).
DEFAULT_BOUNDS = {
    "sigma_np_gev": (0.5, 4.0),
    "pt0_gev": (0.5, 20.0),
    "n_tail": (0.2, 6.0),
    "lambda_gev": (5.0, 500.0),
}


def ptv_bin_fractions(edges: np.ndarray, params: Mapping[str, float], step: float = 0.05) -> np.ndarray:
    """Fractions of the model's pT^V density in each bin, normalised to the range of ``edges``."""
    fine = np.arange(edges[0], edges[-1] + 0.5 * step, step)
    f = ptv_density(fine, *(float(params[k]) for k in PTV_KEYS))
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(fine))])
    frac = np.diff(np.interp(edges, fine, cum))
    return frac / frac.sum()


@dataclass(frozen=True)
class PtvFit:
    """Result of a pT^V tune: parameters, χ², and the per-bin model/Pythia ratios."""

    params: dict[str, float]
    chi2: float
    ndf: int
    edges: np.ndarray
    ratio: np.ndarray  #: model / Pythia bin fraction
    ratio_err: np.ndarray  #: statistical error of the ratio (Pythia sample)

    def max_deviation(self, upper: float = 30.0) -> float:
        """Largest |ratio − 1| over the bins below ``upper`` GeV."""
        keep = self.edges[1:] <= upper + 1e-12
        return float(np.max(np.abs(self.ratio[keep] - 1.0)))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "params": {k: round(v, 4) for k, v in self.params.items()},
            "chi2": round(self.chi2, 2),
            "ndf": self.ndf,
            "max_abs_deviation_below_30gev": round(self.max_deviation(30.0), 4),
            "edges_gev": self.edges.tolist(),
            "ratio_fast_over_pythia": np.round(self.ratio, 4).tolist(),
            "ratio_err": np.round(self.ratio_err, 4).tolist(),
        }


def _evaluate(
    params: Mapping[str, float], h: np.ndarray, err: np.ndarray, edges: np.ndarray, tol: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    model = ptv_bin_fractions(edges, params)
    var = err**2 + (tol * h) ** 2
    ok = var > 0
    chi2 = float(np.sum((model[ok] - h[ok]) ** 2 / var[ok]))
    safe = np.where(h > 0, h, np.nan)
    return chi2, model / safe, err / safe * model / safe


def compare_ptv(
    pt: np.ndarray,
    weights: np.ndarray | None,
    params: Mapping[str, float],
    *,
    edges: np.ndarray = TUNE_EDGES,
    tail_from: float = 30.0,
    tail_tolerance: float = 0.15,
) -> PtvFit:
    """The model at ``params`` against the reference pT values (no fit; ndf = bins − 1)."""
    edges = np.asarray(edges, dtype=float)
    tol = np.where(edges[1:] <= tail_from + 1e-12, 0.0, tail_tolerance)
    h, err = normalised_hist(pt, weights, edges)
    full = {k: float(params[k]) for k in PTV_KEYS}
    value, ratio, ratio_err = _evaluate(full, h, err, edges, tol)
    return PtvFit(full, value, edges.size - 2, edges, ratio, ratio_err)


def fit_ptv(
    pt: np.ndarray,
    weights: np.ndarray | None,
    start: Mapping[str, float],
    *,
    edges: np.ndarray = TUNE_EDGES,
    free: Sequence[str] = PTV_KEYS,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    tail_from: float = 30.0,
    tail_tolerance: float = 0.15,
) -> PtvFit:
    """Fit the ``free`` pT^V parameters (others fixed at ``start``) to the reference pT values ``pt``.

    Nelder-Mead within ``bounds`` (default ``DEFAULT_BOUNDS``), started from ``start`` and from a
    few points spread over the bounds (the χ² has shallow valleys between p0, n and λ).
    """
    edges = np.asarray(edges, dtype=float)
    bounds = {**DEFAULT_BOUNDS, **(bounds or {})}
    tol = np.where(edges[1:] <= tail_from + 1e-12, 0.0, tail_tolerance)
    fixed = {k: float(start[k]) for k in PTV_KEYS}

    def unpack(x: np.ndarray) -> dict[str, float]:
        return {**fixed, **dict(zip(free, (float(v) for v in x)))}

    h, err = normalised_hist(pt, weights, edges)

    def chi2(x: np.ndarray) -> float:
        return _evaluate(unpack(x), h, err, edges, tol)[0]

    lo = np.array([bounds[k][0] for k in free])
    hi = np.array([bounds[k][1] for k in free])
    x_start = np.clip([fixed[k] for k in free], lo, hi)
    starts = [x_start, lo + 0.1 * (hi - lo)]
    best = None
    for x0 in starts:
        res = optimize.minimize(
            chi2, x0, method="Nelder-Mead", bounds=list(zip(lo, hi)),
            options={"xatol": 1e-3, "fatol": 1e-2, "maxiter": 2000},
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    params = unpack(best.x)
    value, ratio, ratio_err = _evaluate(params, h, err, edges, tol)
    return PtvFit(params, value, edges.size - 2 - len(free), edges, ratio, ratio_err)
