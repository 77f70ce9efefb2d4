"""Parametric boson transverse-momentum spectrum and its nuisance-parameter weights.

The boson pT vector is the sum of a perturbative recoil q and a non-perturbative intrinsic kT:

* q: 2D density g(q) ∝ (1 + q²/(n p0²))^(-n) for q < q_max (any n > 0: the range is finite) (Gaussian of width p0/√2 per axis for
  q ≪ p0 √n, power-law tail dσ/dq ∝ q^(1-2n) from hard emissions);
* kT: 2D Gaussian of width σ_NP per axis (Gaussian intrinsic kT, the Λ_NP-like parameter).

The radial density of |pT| is the 2D convolution
f(pT) = (pT/σ²) ∫ dq 2π q g(q) exp(-(pT - q)²/(2σ²)) I0e(pT q/σ²), tabulated on a fine grid; the
weight of a parameter variation is f_var(pT) / f_nom(pT). Parameters (per boson): ``sigma_np_gev``,
``pt0_gev``, ``n_tail``, ``pt_max_gev``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import i0e

__all__ = ["ptv_density", "ptv_variations", "ptv_weights", "sample_ptv"]

_DQ = 0.05
_DPT = 0.1


def _q_cdf(q: np.ndarray, pt0: float, n: float) -> np.ndarray:
    """Unnormalised CDF of |q|: ((1 + x)^(1-n) - 1)/(1 - n), x = q²/(n p0²) (ln(1 + x) at n = 1)."""
    log1 = np.log1p(q * q / (n * pt0 * pt0))
    a = 1.0 - n
    return log1 if abs(a) < 1e-9 else np.expm1(a * log1) / a


def _q_inverse(h: np.ndarray, pt0: float, n: float) -> np.ndarray:
    """|q| at which _q_cdf equals h."""
    a = 1.0 - n
    log1 = h if abs(a) < 1e-9 else np.log1p(a * h) / a
    return np.sqrt(n * pt0 * pt0 * np.expm1(log1))


@functools.lru_cache(maxsize=64)
def _density_table(sigma_np: float, pt0: float, n: float, pt_max: float) -> tuple[np.ndarray, np.ndarray]:
    dq = min(_DQ, sigma_np / 10.0)
    q = np.arange(0.0, pt_max + dq, dq)
    qc = 0.5 * (q[1:] + q[:-1])
    mass = np.diff(_q_cdf(q, pt0, n))
    mass /= mass.sum()  # probability of each q cell (exact integral of g over the cell)
    pt = np.arange(0.0, pt_max + 8.0 * sigma_np + _DPT, _DPT)
    s2 = sigma_np * sigma_np
    # only q cells within 8 sigma of pT contribute: a band of cells around each pT
    half = int(np.ceil(8.0 * sigma_np / dq))
    idx = np.round(pt / dq).astype(np.int64)[:, None] + np.arange(-half, half + 1)[None, :]
    ok = (idx >= 0) & (idx < qc.size)
    idx = np.clip(idx, 0, qc.size - 1)
    qb = qc[idx]
    arg = pt[:, None] * qb / s2
    # ring of radius q smeared by a 2D Gaussian: radial density (pT/σ²) exp(-(pT-q)²/2σ²) I0e(pT q/σ²)
    kern = pt[:, None] / s2 * np.exp(-((pt[:, None] - qb) ** 2) / (2 * s2)) * i0e(arg)
    f = (kern * np.where(ok, mass[idx], 0.0)).sum(axis=1)
    f /= np.trapezoid(f, pt)
    return pt, f


def ptv_density(pt: np.ndarray, sigma_np: float, pt0: float, n: float, pt_max: float) -> np.ndarray:
    """Normalised density of |pT^V| (GeV^-1) for the given parameters."""
    grid, f = _density_table(float(sigma_np), float(pt0), float(n), float(pt_max))
    pos = np.clip(pt / _DPT, 0.0, grid.size - 1.0)  # the table is on a uniform grid from 0
    i = np.minimum(pos.astype(np.int64), grid.size - 2)
    t = pos - i
    return np.where(pt <= grid[-1], f[i] + t * (f[i + 1] - f[i]), 0.0)


def sample_ptv(rng: np.random.Generator, n_events: int, p: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(pT, phi) of the boson: q from the inverse CDF of g, plus a Gaussian kT (see module docstring)."""
    pt0, n, qmax, s = p["pt0_gev"], p["n_tail"], p["pt_max_gev"], p["sigma_np_gev"]
    r = rng.random((2, n_events))
    k = rng.standard_normal((2, n_events))
    q = _q_inverse(r[0] * _q_cdf(np.asarray(qmax), pt0, n), pt0, n)
    ang = 2.0 * np.pi * r[1]
    px = q * np.cos(ang) + s * k[0]
    py = q * np.sin(ang) + s * k[1]
    return np.hypot(px, py), np.arctan2(py, px)


def ptv_variations(p: Mapping[str, Any], var: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Labels and parameter sets of the up/down variations of each pT^V parameter."""
    labels, sets = [], []
    shifts = {"sigma_np_gev": (var["sigma_np_rel"], True),
              "pt0_gev": (var["pt0_rel"], True),
              "n_tail": (var["n_tail_abs"], False)}
    for key, (size, relative) in shifts.items():
        for sign, tag in ((1, "Up"), (-1, "Down")):
            alt = dict(p)
            alt[key] = p[key] * (1 + sign * size) if relative else p[key] + sign * size
            labels.append(f"{key}{tag}")
            sets.append(alt)
    return labels, sets


def ptv_weights(pt: np.ndarray, p: Mapping[str, Any], var: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """[n, 6] weights f_var(pT)/f_nom(pT) for the up/down variation of each parameter, and labels."""
    keys = ("sigma_np_gev", "pt0_gev", "n_tail", "pt_max_gev")
    nominal = ptv_density(pt, *(p[k] for k in keys))
    labels, sets = ptv_variations(p, var)
    out = np.empty((pt.size, len(sets)), dtype=np.float32)
    safe = np.where(nominal > 0, nominal, 1.0)
    for i, alt in enumerate(sets):
        out[:, i] = np.where(nominal > 0, ptv_density(pt, *(alt[k] for k in keys)) / safe, 1.0)
    return out, labels
