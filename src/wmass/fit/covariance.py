"""Covariance = H⁻¹ by Cholesky, with an error that names the parameters when H is not positive definite."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.linalg

__all__ = ["FitError", "cholesky", "covariance", "edm"]


class FitError(RuntimeError):
    """The fit failed (Hessian not positive definite, no convergence); the message names parameters."""


def _explain(h: np.ndarray, names: Sequence[str], info: str) -> str:
    m = re.search(r"(\d+)-th leading minor", info)
    lines = []
    if m:
        k = int(m.group(1)) - 1
        lines.append(f"Cholesky failed at parameter {names[k]!r} (index {k})")
    diag = np.diag(h)
    bad = [names[i] for i in np.flatnonzero(~(diag > 0))[:10]]
    if bad:
        lines.append(f"non-positive diagonal (parameter without effect?): {', '.join(bad)}")
    if h.shape[0] <= 3000:
        w, v = np.linalg.eigh(h)
        top = np.argsort(-np.abs(v[:, 0]))[:5]
        comp = ", ".join(f"{names[i]} ({v[i, 0]:+.2f})" for i in top)
        lines.append(f"smallest eigenvalue {w[0]:.3g}, direction mostly along {comp}")
    return "; ".join(lines)


def cholesky(h: np.ndarray, names: Sequence[str], what: str = "Hessian") -> tuple[np.ndarray, bool]:
    """Lower Cholesky factor of ``h`` (scipy ``cho_factor`` form); :class:`FitError` naming parameters."""
    try:
        return scipy.linalg.cho_factor(h, lower=True, check_finite=True)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise FitError(f"the {what} is not positive definite: {_explain(h, names, str(exc))}") from exc


def covariance(factor: Any) -> np.ndarray:
    """H⁻¹ from a factorisation: a :class:`wmass.fit.linalg.ArrowFactor` or a ``cho_factor`` tuple."""
    if isinstance(factor, tuple):
        cov = scipy.linalg.cho_solve(factor, np.eye(factor[0].shape[0]))
        return 0.5 * (cov + cov.T)
    return factor.inverse()


def edm(grad: np.ndarray, factor: Any) -> float:
    """Estimated distance to minimum ½ gᵀH⁻¹g (rabbit ``scipyhelpers.scipy_edmval``, Minuit's EDM)."""
    sol = scipy.linalg.cho_solve(factor, grad) if isinstance(factor, tuple) else factor.solve(grad)
    return float(0.5 * grad @ sol)
