"""Minimiser: Gauss-Newton, then exact Newton, with Cholesky solves and a backtracking line search.

Gauss-Newton (H ≈ JᵀW_FJ + C, positive semi-definite) is robust far from the minimum; once its EDM is
small, exact Newton steps (explicit exact Hessian, :mod:`wmass.fit.hessian`) converge quadratically.
Convergence: EDM = ½ gᵀH⁻¹g < ``tol`` with the *exact* Hessian at the final point, which is then
reused for the covariance. (rabbit's default trust-krylov stops without an EDM criterion.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from wmass.fit.covariance import FitError, cholesky
from wmass.fit.hessian import Design, assemble_hessian
from wmass.fit.linalg import ArrowFactor

__all__ = ["FitFunctions", "MinimizeResult", "minimize", "full_hessian"]


@dataclass(frozen=True)
class FitFunctions:
    """Jitted callables (built by the driver): ``value_and_grad``, ``value`` and ``factors`` of (x, model, obs)."""

    value_and_grad: Callable[..., Any]
    value: Callable[..., Any]
    factors: Callable[..., Any]


@dataclass
class MinimizeResult:
    """Outcome of :func:`minimize`. ``hessian`` is the exact one at ``x``; ``chol`` its factorisation (free block)."""

    x: np.ndarray
    nll: float
    edm: float
    iterations: int
    status: str
    hessian: np.ndarray
    chol: ArrowFactor
    free: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)


def full_hessian(fns: FitFunctions, design: Design, model: Any, obs: Any, x: np.ndarray, kind: str = "exact") -> np.ndarray:
    """Dense Hessian of the reduced NLL at x (``kind`` as in :func:`wmass.fit.hessian.assemble_hessian`)."""
    fac = fns.factors(x, model, obs)
    return assemble_hessian(design, model, fac, kind)


def _restrict(h: np.ndarray, free: np.ndarray) -> np.ndarray:
    return h if free.all() else h[np.ix_(free, free)]


def _step(h: np.ndarray, g: np.ndarray, blocks: list[np.ndarray]) -> tuple[np.ndarray, ArrowFactor] | None:
    try:
        c = ArrowFactor.factor(h, blocks)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return None
    return -c.solve(g), c


def free_blocks(design: Design, free: np.ndarray) -> list[np.ndarray]:
    """The local blocks of the design as positions in the vector of free parameters."""
    pos = np.cumsum(free) - 1
    out = []
    for b in design.blocks:
        idx = design.npoi + b
        idx = idx[free[idx]]
        if len(idx):
            out.append(pos[idx])
    return out


def minimize(fns: FitFunctions, design: Design, model: Any, obs: Any, x_start: np.ndarray, names: Sequence[str],
             free: np.ndarray | None = None, tol: float = 1e-8, max_iter: int = 100, switch_edm: float = 1e-3,
             log: Callable[[str], None] | None = None) -> MinimizeResult:
    """Minimise the reduced NLL over the ``free`` parameters (boolean mask; default all) from ``x_start``.

    The log callback receives only iteration counters, NLL differences and EDM (never parameter values).
    """
    x = np.array(x_start, dtype=np.float64)
    free = np.ones(len(x), dtype=bool) if free is None else np.asarray(free, dtype=bool)
    fnames = [n for n, f in zip(names, free) if f]
    blocks = free_blocks(design, free)
    exact, t0, edm, h_bad = False, time.perf_counter(), np.inf, None
    timings = {"hessian": 0.0, "linesearch": 0.0, "grad": 0.0}
    for it in range(1, max_iter + 1):
        t = time.perf_counter()
        f, g = fns.value_and_grad(x, model, obs)
        f, g = float(f), np.asarray(g)[free]
        timings["grad"] += time.perf_counter() - t
        t = time.perf_counter()
        fac = fns.factors(x, model, obs)
        h = _restrict(assemble_hessian(design, model, fac, "exact" if exact else "gn"), free)
        timings["hessian"] += time.perf_counter() - t
        res = _step(h, g, blocks)
        if res is None and exact:  # indefinite away from the minimum: fall back to Gauss-Newton
            exact, h_bad = False, h
            h = _restrict(assemble_hessian(design, model, fac, "gn"), free)
            res = _step(h, g, blocks)
        if res is None:
            lam = 1e-6 * max(1.0, float(np.max(np.abs(np.diag(h)))))
            while res is None and lam < 1e12:
                res, lam = _step(h + lam * np.eye(len(g)), g, blocks), lam * 10
        if res is None:
            cholesky(h, fnames)  # raises FitError naming the parameters
        step, chol = res
        edm = float(-0.5 * g @ step)
        if log:
            log(f"iteration {it}: {'newton' if exact else 'gauss-newton'} edm={edm:.3g}")
        if exact and edm < tol:
            return MinimizeResult(x, f, edm, it, "converged", h, chol, free,
                                  {**timings, "total": time.perf_counter() - t0})
        if not exact and edm < tol and h_bad is not None:  # at the minimum, but H is not positive definite
            cholesky(h_bad, fnames, "Hessian at the minimum")
        if not exact and edm < switch_edm:
            exact = True
        t = time.perf_counter()
        slope, lr = float(g @ step), 1.0
        xs = x.copy()
        while lr > 1e-10:
            xs[free] = x[free] + lr * step
            fs = float(fns.value(xs, model, obs))
            if np.isfinite(fs) and fs <= f + 1e-4 * lr * slope + 1e-12 * abs(f):
                break
            lr *= 0.5
        timings["linesearch"] += time.perf_counter() - t
        if lr <= 1e-10:
            if not exact:
                exact = True
                continue
            if h_bad is not None:
                cholesky(h_bad, fnames, "Hessian")
            raise FitError(f"line search failed at iteration {it} (edm {edm:.3g}); the NLL is not decreasing "
                           "along the Newton direction (numerical precision?)")
        x = xs
    raise FitError(f"no convergence in {max_iter} iterations (edm {edm:.3g} > {tol:g})")
