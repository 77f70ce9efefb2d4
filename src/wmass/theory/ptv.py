"""Parametric boson transverse-momentum spectrum and its nuisance-parameter weights.

The boson pT vector is the sum of a perturbative recoil q and a non-perturbative intrinsic kT:

* q: radial density h(|q|) ∝ |q| (1 + q²/(n p0²))^(-n) exp(-|q|/λ) on [0, Q_MAX_GEV] (a 2D density
  Gaussian-like for q ≪ p0 √n, a power-law tail dσ/dq ∝ q^(1-2n) from hard emissions, softly damped
  at q ≳ λ by the falling parton luminosity; any n > 0 is allowed);
* kT: 2D Gaussian of width σ_NP per axis (Gaussian intrinsic kT, the Λ_NP-like parameter).

Q_MAX_GEV = 300 GeV is far in the damped tail (the probability above it is ~1e-6 for the tuned λ),
so the spectrum is normalised over the full generated range and needs no hard cut. The radial
density of |pT| is the 2D convolution
f(pT) = (pT/σ²) ∫ dq h(q) exp(-(pT - q)²/(2σ²)) I0e(pT q/σ²), tabulated on a fine grid; the
weight of a parameter variation is f_var(pT) / f_nom(pT) (finite: every f is positive on
0 < pT ≤ Q_MAX_GEV + 8σ, the whole sampled range). Parameters (per boson): ``sigma_np_gev``,
``pt0_gev``, ``n_tail``, ``lambda_gev``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numba
import numpy as np
from scipy.special import i0e

from wmass.interp import interp_index, interp_one

__all__ = ["PTV_KEYS", "Q_MAX_GEV", "ptv_density", "ptv_variations", "ptv_weights", "q_cdf_table", "sample_ptv"]

#: Parameters of the spectrum, in the order of ``ptv_density``.
PTV_KEYS = ("sigma_np_gev", "pt0_gev", "n_tail", "lambda_gev")
#: Largest perturbative |q| generated (GeV).
Q_MAX_GEV = 300.0
_DQ_CDF = 0.01  #: step of the tabulated CDF of |q| used for sampling (GeV)
_DQ = 0.05  #: largest q cell of the convolution (GeV)
_DPT = 0.1  #: step of the tabulated pT density (GeV)
_ROWS = 512  #: pT rows per block of the convolution (bounds the memory)


def _q_radial(q: np.ndarray, pt0: float, n: float, lam: float) -> np.ndarray:
    """Unnormalised radial density of |q|: q (1 + q²/(n p0²))^(-n) exp(-q/λ)."""
    return q * np.exp(-n * np.log1p(q * q / (n * pt0 * pt0)) - q / lam)


@functools.lru_cache(maxsize=64)
def q_cdf_table(pt0: float, n: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """(|q| grid, normalised CDF) on [0, Q_MAX_GEV] (trapezoidal integral of ``_q_radial``)."""
    q = np.linspace(0.0, Q_MAX_GEV, int(round(Q_MAX_GEV / _DQ_CDF)) + 1)
    h = _q_radial(q, pt0, n, lam)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (h[1:] + h[:-1]) * np.diff(q))])
    return q, cdf / cdf[-1]


@functools.lru_cache(maxsize=64)
def _density_table(sigma_np: float, pt0: float, n: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
    dq = min(_DQ, sigma_np / 10.0)
    q = np.arange(0.0, Q_MAX_GEV + 0.5 * dq, dq)
    q[-1] = min(q[-1], Q_MAX_GEV)
    qc = 0.5 * (q[1:] + q[:-1])
    grid, cdf = q_cdf_table(pt0, n, lam)
    mass = np.diff(np.interp(q, grid, cdf))  # probability of each q cell
    pt = np.arange(0.0, Q_MAX_GEV + 8.0 * sigma_np + _DPT, _DPT)
    s2 = sigma_np * sigma_np
    # only q cells within 8 sigma of pT contribute: a band of cells around each pT
    half = int(np.ceil(8.0 * sigma_np / dq))
    band = np.arange(-half, half + 1)[None, :]
    f = np.empty_like(pt)
    for lo in range(0, pt.size, _ROWS):
        p = pt[lo:lo + _ROWS, None]
        idx = np.round(p / dq).astype(np.int64) + band
        ok = (idx >= 0) & (idx < qc.size)
        idx = np.clip(idx, 0, qc.size - 1)
        qb = qc[idx]
        # ring of radius q smeared by a 2D Gaussian: radial density (pT/σ²) exp(-(pT-q)²/2σ²) I0e(pT q/σ²)
        kern = p / s2 * np.exp(-((p - qb) ** 2) / (2 * s2)) * i0e(p * qb / s2)
        f[lo:lo + _ROWS] = (kern * np.where(ok, mass[idx], 0.0)).sum(axis=1)
    f /= np.trapezoid(f, pt)
    return pt, f


def ptv_density(pt: np.ndarray, sigma_np: float, pt0: float, n: float, lam: float) -> np.ndarray:
    """Normalised density of |pT^V| (GeV^-1) for the given parameters (0 beyond the tabulated range)."""
    grid, f = _density_table(float(sigma_np), float(pt0), float(n), float(lam))
    pos = np.clip(pt / _DPT, 0.0, grid.size - 1.0)  # the table is on a uniform grid from 0
    i = np.minimum(pos.astype(np.int64), grid.size - 2)
    t = pos - i
    return np.where(pt <= grid[-1], f[i] + t * (f[i + 1] - f[i]), 0.0)


def sample_ptv(rng: np.random.Generator, n_events: int, p: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(pT, phi) of the boson: |q| from the tabulated inverse CDF, plus a Gaussian kT (module docstring)."""
    grid, cdf = q_cdf_table(float(p["pt0_gev"]), float(p["n_tail"]), float(p["lambda_gev"]))
    r = rng.random((2, n_events))
    k = rng.standard_normal((2, n_events))
    return _add_kt(r, k, cdf, grid, _cdf_index(float(p["pt0_gev"]), float(p["n_tail"]), float(p["lambda_gev"])),
                   float(p["sigma_np_gev"]))


@functools.lru_cache(maxsize=64)
def _cdf_index(pt0: float, n: float, lam: float) -> np.ndarray:
    return interp_index(q_cdf_table(pt0, n, lam)[1])


@numba.njit(cache=True, nogil=True)
def _add_kt(r: np.ndarray, k: np.ndarray, cdf: np.ndarray, grid: np.ndarray, index: np.ndarray,
            sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """|q| = the inverse CDF at r[0] (linear in each 10 MeV cell, as np.interp), azimuth 2π r[1],
    plus the Gaussian kT σ k; returns (pT, φ)."""
    n = r.shape[1]
    pt, phi = np.empty(n), np.empty(n)
    for e in range(n):
        q = interp_one(r[0, e], cdf, grid, index)
        ang = 2.0 * np.pi * r[1, e]
        px = q * np.cos(ang) + sigma * k[0, e]
        py = q * np.sin(ang) + sigma * k[1, e]
        pt[e], phi[e] = np.hypot(px, py), np.arctan2(py, px)
    return pt, phi


def ptv_variations(p: Mapping[str, Any], var: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Labels and parameter sets of the up/down variations of each pT^V parameter."""
    labels, sets = [], []
    shifts = {"sigma_np_gev": (var["sigma_np_rel"], True),
              "pt0_gev": (var["pt0_rel"], True),
              "n_tail": (var["n_tail_abs"], False),
              "lambda_gev": (var["lambda_rel"], True)}
    for key, (size, relative) in shifts.items():
        for sign, tag in ((1, "Up"), (-1, "Down")):
            alt = dict(p)
            alt[key] = p[key] * (1 + sign * size) if relative else p[key] + sign * size
            labels.append(f"{key}{tag}")
            sets.append(alt)
    return labels, sets


def ptv_weights(pt: np.ndarray, p: Mapping[str, Any], var: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """[n, 8] weights f_var(pT)/f_nom(pT) for the up/down variation of each parameter, and labels."""
    labels, sets = ptv_variations(p, var)
    tables = [_density_table(*(float(q[k]) for k in PTV_KEYS)) for q in (p, *sets)]
    size = max(f.size for _, f in tables)
    f = np.zeros((len(tables), size))
    for row, (_, ft) in zip(f, tables):
        row[: ft.size] = ft
    lengths = np.array([ft.size for _, ft in tables], dtype=np.int64)
    last = np.array([grid[-1] for grid, _ in tables])
    return _density_ratios(np.ascontiguousarray(pt, dtype=np.float64), f, lengths, last), labels


@numba.njit(cache=True, nogil=True)
def _density_ratios(pt: np.ndarray, f: np.ndarray, lengths: np.ndarray, last: np.ndarray) -> np.ndarray:
    """[n, k-1] f_j(pT)/f_0(pT) (1 where f_0 = 0) for k tabulated densities (ptv_density's interpolation)."""
    n, k = pt.shape[0], f.shape[0]
    out = np.empty((n, k - 1), dtype=np.float32)
    val = np.empty(k)
    for i in range(n):
        x = pt[i]
        for j in range(k):
            size = lengths[j]
            pos = min(max(x / _DPT, 0.0), size - 1.0)
            c = min(np.int64(pos), size - 2)
            t = pos - c
            val[j] = f[j, c] + t * (f[j, c + 1] - f[j, c]) if x <= last[j] else 0.0
        nominal = val[0]
        for j in range(1, k):
            out[i, j - 1] = val[j] / nominal if nominal > 0 else 1.0
    return out
