"""PDF weights: a Hessian eigenvector set built from the spread of the real central sets, and one
weight per alternative real set (pure functions of x1, x2, id1, id2).

Construction of the Hessian set (at the boson mass scale Q_ref; the Q dependence of PDF ratios over
the generated mass window is neglected):

1. on a grid of 80 points in ln x (1e-5 < x < 0.95) and the 10 quark flavours (d..b, dbar..bbar),
   the deviations D_k = ln(xf_k / xf_nominal) of each set k of ``hessian_sets`` (clipped to ±1);
2. covariance C = <D_k D_kᵀ>_k (rank ≤ number of sets: the real spread, with its x and flavour
   correlations) + ``smooth`` × s_a s_b δ(f_a, f_b) exp(-(ln x_a - ln x_b)² / 2ℓ²), s_a² the diagonal of
   the first term: a smooth Gaussian-process completion that gives ≥ 30 independent directions of
   the same local size (ℓ = ``corr_length`` in ln x);
3. eigen-decomposition C = Σ λ_j v_j v_jᵀ; the ``n_eigen`` largest give the symmetric Hessian members
   xf_j = xf_nominal · exp(scale · sqrt(λ_j) v_j) (sign fixed by the largest component being positive).

An event of channel (id1, id2) at (x1, x2) gets w_j = exp(δ_j(id1, x1) + δ_j(id2, x2)), the ratio of
its parton luminosity (its partonic cross section cancels); alternative set k gets
xf_k(x1) xf_k(x2) / (xf_nom(x1) xf_nom(x2)), both read from one table on a fine ln x grid.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba
import numpy as np

from wmass.theory.pdfgrid import load_pdf, xfx

__all__ = ["PdfWeightTable", "build_pdf_weight_table", "flavour_index", "pdf_weights"]

_FLAVOURS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
_LNX_LO, _LNX_HI = np.log(1e-5), np.log(0.95)
_N_COARSE = 80
_N_FINE = 4096


@dataclass(frozen=True)
class PdfWeightTable:
    """ln-weight table [flavour, ln x node, member] (float32), its exponential (the per-parton weight
    factors, float64) and member labels (Hessian first)."""

    lnx: np.ndarray
    table: np.ndarray
    factor: np.ndarray
    labels: tuple[str, ...]
    n_hessian: int
    explained: float  #: fraction of the covariance trace carried by the kept eigenvectors


def flavour_index(pid: np.ndarray) -> np.ndarray:
    """Row of a quark PDG id (-5..-1, 1..5) in the table."""
    return np.where(pid < 0, pid + 5, pid + 4)


def _log_ratio(name: str, nominal: str, lnx: np.ndarray, q: float) -> np.ndarray:
    """[flavour, x] ln(xf_set / xf_nominal), clipped to ±1 where either vanishes."""
    x = np.exp(lnx)
    a, b = load_pdf(name), load_pdf(nominal)
    out = np.zeros((len(_FLAVOURS), lnx.size))
    for i, f in enumerate(_FLAVOURS):
        fa, fb = xfx(a, f, x, q), xfx(b, f, x, q)
        ok = (fa > 1e-8) & (fb > 1e-8)
        out[i] = np.where(ok, np.log(np.where(ok, fa, 1.0) / np.where(ok, fb, 1.0)), 0.0)
    return np.clip(out, -1.0, 1.0)


def _hessian(nominal: str, sets: tuple[str, ...], n_eigen: int, corr_length: float, smooth: float,
             scale: float, q: float) -> tuple[np.ndarray, float]:
    """[n_eigen, flavour, coarse x] eigen-shifts of ln xf, and the explained fraction."""
    lnx = np.linspace(_LNX_LO, _LNX_HI, _N_COARSE)
    dev = np.stack([_log_ratio(s, nominal, lnx, q).ravel() for s in sets])
    cov = dev.T @ dev / len(sets)
    spread = np.sqrt(np.diag(cov))
    flav = np.repeat(np.arange(len(_FLAVOURS)), lnx.size)
    lx = np.tile(lnx, len(_FLAVOURS))
    gp = np.exp(-((lx[:, None] - lx[None, :]) ** 2) / (2.0 * corr_length**2)) * (flav[:, None] == flav[None, :])
    cov = cov + smooth * spread[:, None] * spread[None, :] * gp
    val, vec = np.linalg.eigh(cov)
    order = np.argsort(val)[::-1][:n_eigen]
    val, vec = np.clip(val[order], 0.0, None), vec[:, order]
    sign = np.sign(vec[np.argmax(np.abs(vec), axis=0), np.arange(vec.shape[1])])
    shifts = (scale * np.sqrt(val) * sign * vec).T.reshape(n_eigen, len(_FLAVOURS), lnx.size)
    return shifts, float(val.sum() / np.trace(cov))


@functools.lru_cache(maxsize=8)
def build_pdf_weight_table(nominal: str, hessian_sets: tuple[str, ...], alt_sets: tuple[str, ...],
                           n_eigen: int, corr_length: float, smooth: float, scale: float,
                           q_ref: float) -> PdfWeightTable:
    """The table of pdf_weights at scale ``q_ref`` (GeV); cached, read-only."""
    lnx = np.linspace(_LNX_LO, _LNX_HI, _N_FINE)
    shifts, explained = _hessian(nominal, hessian_sets, n_eigen, corr_length, smooth, scale, q_ref)
    coarse = np.linspace(_LNX_LO, _LNX_HI, _N_COARSE)
    cols = [np.stack([np.interp(lnx, coarse, s[i]) for i in range(len(_FLAVOURS))]) for s in shifts]
    cols += [_log_ratio(s, nominal, lnx, q_ref) for s in alt_sets]
    table = np.ascontiguousarray(np.stack(cols, axis=-1), dtype=np.float32)
    labels = tuple(f"pdfHes{j}" for j in range(n_eigen)) + tuple(f"pdfSet_{s}" for s in alt_sets)
    factor = np.exp(table.astype(np.float64))
    for arr in (table, factor):
        arr.flags.writeable = False
    return PdfWeightTable(lnx, table, factor, labels, n_eigen, explained)


def pdf_weights(x1: np.ndarray, x2: np.ndarray, id1: np.ndarray, id2: np.ndarray,
                tab: PdfWeightTable, members: slice = slice(None)) -> np.ndarray:
    """[n, members] weights (float32) of the Hessian members then the alternative sets (or of the
    ``members`` slice of them, e.g. ``slice(tab.n_hessian)``).

    w_j = exp(δ_j(id1, x1)) exp(δ_j(id2, x2)): the product of the two partons' tabulated factors
    (float64, rounded once to float32).
    """
    n_x = tab.lnx.size
    step = (tab.lnx[-1] - tab.lnx[0]) / (n_x - 1)
    lo, hi, stride = members.indices(tab.factor.shape[-1])
    if stride != 1:
        raise ValueError(f"members must be a contiguous slice, got {members}")

    def rows(x: np.ndarray, pid: np.ndarray) -> np.ndarray:
        ix = np.clip(np.rint((np.log(x) - tab.lnx[0]) / step), 0, n_x - 1).astype(np.int64)
        return flavour_index(pid) * n_x + ix

    return _product_of_rows(tab.factor.reshape(-1, tab.factor.shape[-1]), rows(x1, id1), rows(x2, id2), lo, max(hi, lo))


@numba.njit(cache=True, nogil=True)
def _product_of_rows(factor: np.ndarray, row1: np.ndarray, row2: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """out[i, j] = factor[row1[i], lo + j] factor[row2[i], lo + j] as float32, j < hi - lo (one pass)."""
    n = row1.shape[0]
    out = np.empty((n, hi - lo), dtype=np.float32)
    for i in range(n):
        a, b = row1[i], row2[i]
        for j in range(hi - lo):
            out[i, j] = factor[a, lo + j] * factor[b, lo + j]
    return out
