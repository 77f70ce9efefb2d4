"""Minimiser: Gauss-Newton, then exact Newton, with Cholesky solves, a backtracking line search and fallbacks.

Gauss-Newton (H ≈ JᵀW_FJ + C, positive semi-definite) is robust far from the minimum; once its EDM is
small, exact Newton steps (explicit exact Hessian, :mod:`wmass.fit.hessian`) converge quadratically.
Convergence: EDM = ½ gᵀH⁻¹g < ``tol`` with the *exact* Hessian at the final point, which is then
reused for the covariance. (rabbit's default trust-krylov stops without an EDM criterion.)

A rejected step never loops: the fallbacks (exact Newton, Levenberg-Marquardt damping, scaled
gradient) are tried in turn within the iteration, and when none lowers the NLL, or the NLL or its
gradient is not finite, or the NLL stops decreasing, :class:`FitError` says why (see :func:`minimize`).
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

    Each iteration tries, until one lowers the NLL (Armijo condition): the Gauss-Newton (or, near the
    minimum, exact Newton) step with a backtracking line search; the exact Newton step when the
    Gauss-Newton one was rejected and the exact Hessian is positive definite; Levenberg-Marquardt
    steps (H_GN + λ diag H_GN, λ increasing); a diagonally scaled gradient step. When none lowers the
    NLL, or the NLL / gradient is not finite, or the NLL stops decreasing, a :class:`FitError` names
    the cause: the loop never stalls silently. The log callback receives only iteration counters,
    step kinds and EDM (never parameter values).
    """
    x = np.array(x_start, dtype=np.float64)
    free = np.ones(len(x), dtype=bool) if free is None else np.asarray(free, dtype=bool)
    fnames = [n for n, f in zip(names, free) if f]
    blocks = free_blocks(design, free)
    exact, t0, edm, h_bad, flat = False, time.perf_counter(), np.inf, None, 0
    timings = {"hessian": 0.0, "linesearch": 0.0, "grad": 0.0}
    for it in range(1, max_iter + 1):
        t = time.perf_counter()
        f, g = fns.value_and_grad(x, model, obs)
        f, g = float(f), np.asarray(g)[free]
        timings["grad"] += time.perf_counter() - t
        _check_finite(f, g, fnames, it)
        t = time.perf_counter()
        fac = fns.factors(x, model, obs)
        h_ex = _restrict(assemble_hessian(design, model, fac, "exact"), free) if exact else None
        h_gn = None if exact else _restrict(assemble_hessian(design, model, fac, "gn"), free)
        timings["hessian"] += time.perf_counter() - t
        res, kind = (_step(h_ex, g, blocks), "newton") if h_ex is not None else (None, "")  # h_ex: when exact
        if exact and res is None:  # indefinite away from the minimum: Gauss-Newton this time
            h_bad = h_ex
        if res is None:
            if h_gn is None:
                h_gn = _restrict(assemble_hessian(design, model, fac, "gn"), free)
            res, kind = _step(h_gn, g, blocks), "gauss-newton"
            if res is None:  # GN is only semi-definite (a parameter without effect): smallest damping that factors
                res, kind = _damped(h_gn, g, blocks, fnames), "gauss-newton+damping"
        step, chol = res
        edm = float(-0.5 * g @ step)
        if log:
            log(f"iteration {it}: {kind} edm={edm:.3g}")
        if kind == "newton" and h_ex is not None and edm < tol:  # a Newton step always has h_ex
            return MinimizeResult(x, f, edm, it, "converged", h_ex, chol, free,
                                  {**timings, "total": time.perf_counter() - t0})
        if kind != "newton" and edm < switch_edm:
            if h_bad is not None and edm < tol:  # at the minimum, but the exact Hessian is not positive definite
                cholesky(h_bad, fnames, "Hessian at the minimum")
            if not exact:
                exact = True
                if edm < tol:  # already at the minimum: only the exact-Hessian EDM is missing
                    continue
        t = time.perf_counter()
        xs, fs, _ = _line_search(fns, model, obs, x, free, f, g, step)
        used = kind
        if xs is None:  # rejected: fall back, from the most to the least curvature-informed direction
            xs, fs, used = _fallback(fns, model, obs, x, free, f, g, kind, h_gn, h_ex, fac, design, blocks)
        timings["linesearch"] += time.perf_counter() - t
        if xs is None:
            if h_bad is not None and edm < switch_edm:
                cholesky(h_bad, fnames, "Hessian")
            raise FitError(
                f"no progress at iteration {it} (edm {edm:.3g}): the NLL does not decrease along the {kind} step, "
                "the exact Newton step, Levenberg-Marquardt steps (λ up to 1e8·diag H) or the gradient; "
                + ("the remaining EDM is at the limit of float64 precision of the NLL"
                   if edm < 1e3 * np.finfo(float).eps * max(abs(f), 1.0) else "the NLL is not smooth or not well defined here"))
        if log and used != kind:
            log(f"iteration {it}: {kind} step rejected, took a {used} step")
        flat = flat + 1 if f - fs <= 4 * np.finfo(float).eps * max(abs(f), 1.0) else 0
        if flat >= 3:
            raise FitError(f"no progress at iteration {it} (edm {edm:.3g}): the NLL has not decreased in 3 iterations "
                           "(flat direction or the limit of numerical precision)")
        x = xs
    raise FitError(f"no convergence in {max_iter} iterations (edm {edm:.3g} > {tol:g}; the NLL was still decreasing)")


def _check_finite(f: float, g: np.ndarray, names: Sequence[str], it: int) -> None:
    """FitError when the NLL or its gradient is not finite (e.g. data in a bin with zero prediction)."""
    if not np.isfinite(f):
        raise FitError(f"the NLL is {f} at iteration {it}{' (the starting point)' if it == 1 else ''}: "
                       "a bin with data and zero prediction, or a non-finite input")
    bad = np.flatnonzero(~np.isfinite(g))
    if len(bad):
        raise FitError(f"the gradient of the NLL is not finite at iteration {it} for {len(bad)} parameter(s): "
                       + ", ".join(names[i] for i in bad[:10]))


def _line_search(fns: FitFunctions, model: Any, obs: Any, x: np.ndarray, free: np.ndarray, f: float, g: np.ndarray,
                 step: np.ndarray, lr_min: float = 1e-10) -> tuple[np.ndarray | None, float, str]:
    """Backtracking (Armijo) along ``step``: (new x, its NLL, "") or (None, f, "") when rejected."""
    slope, lr = float(g @ step), 1.0
    if not slope < 0:
        return None, f, ""
    xs = x.copy()
    while lr > lr_min:
        xs[free] = x[free] + lr * step
        fs = float(fns.value(xs, model, obs))
        if np.isfinite(fs) and fs <= f + 1e-4 * lr * slope + 1e-12 * abs(f):
            return xs, fs, ""
        lr *= 0.5
    return None, f, ""


def _damped(h: np.ndarray, g: np.ndarray, blocks: list[np.ndarray], names: Sequence[str],
            lam0: float = 1e-8) -> tuple[np.ndarray, ArrowFactor]:
    """Step of (H + λ·s I) for the smallest λ = lam0·10^k that factors (s = max diag H); FitError naming
    the parameters when none does (a non-finite Hessian)."""
    scale = max(1.0, float(np.max(np.abs(np.diag(h))))) if np.all(np.isfinite(h)) else 1.0
    lam = lam0
    while lam <= 1e8:
        res = _step(h + lam * scale * np.eye(len(g)), g, blocks)
        if res is not None:
            return res
        lam *= 10.0
    cholesky(h, names)  # raises FitError naming the parameters
    raise FitError("the Gauss-Newton matrix cannot be factorised")


def _fallback(fns: FitFunctions, model: Any, obs: Any, x: np.ndarray, free: np.ndarray, f: float, g: np.ndarray,
              kind: str, h_gn: np.ndarray | None, h_ex: np.ndarray | None, fac: Any, design: Design,
              blocks: list[np.ndarray]) -> tuple[np.ndarray | None, float, str]:
    """After a rejected step: exact Newton (if not tried and positive definite), Levenberg-Marquardt with
    growing λ (H_GN + λ D, D = diag H_GN), then the diagonally scaled gradient with a line search."""
    if kind != "newton":
        if h_ex is None:
            h_ex = _restrict(assemble_hessian(design, model, fac, "exact"), free)
        res = _step(h_ex, g, blocks)
        if res is not None:
            xs, fs, _ = _line_search(fns, model, obs, x, free, f, g, res[0])
            if xs is not None:
                return xs, fs, "newton"
    if h_gn is None:
        h_gn = _restrict(assemble_hessian(design, model, fac, "gn"), free)
    d = np.maximum(np.diag(h_gn), 1e-12 * max(1.0, float(np.max(np.diag(h_gn)))))
    lam = 1e-3
    while lam <= 1e8:
        res = _step(h_gn + lam * np.diag(d), g, blocks)
        if res is not None:
            xs, fs, _ = _line_search(fns, model, obs, x, free, f, g, res[0], lr_min=0.1)
            if xs is not None:
                return xs, fs, f"levenberg-marquardt (λ={lam:g})"
        lam *= 10.0
    xs, fs, _ = _line_search(fns, model, obs, x, free, f, g, -g / d, lr_min=1e-14)
    return (xs, fs, "gradient") if xs is not None else (None, f, "")
