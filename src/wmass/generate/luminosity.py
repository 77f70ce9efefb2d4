"""Sampling of (m, y, parton channel) for LO Drell-Yan from real parton luminosities.

.. math:: \\frac{d\\sigma}{dm\\,dy} = \\frac{2}{m}\\sum_c x_1f_{i_c}(x_1, m)\\,x_2f_{j_c}(x_2, m)\\,
          \\hat\\sigma_c(m^2),\\qquad x_{1,2} = \\frac{m}{\\sqrt s}e^{\\pm y}

The mass is drawn in u = arctan((m^2 - M^2)/(M Gamma)) (flat for a fixed-width Breit-Wigner in m^2)
from the exact marginal density tabulated on a fine u grid (piecewise linear, inverted exactly);
the smooth channel luminosities Lambda_c(m) = int L_c dy come from a coarse ln m grid. Given m,
(y, c) follow the tabulated L_c(m_k, y_j) sigma_c(m_k): the m node by stochastic linear
interpolation, y inside its cell from the linear density, c from the interpolated channel weights.
The quark's beam (id1 > 0: beam 1) is thus drawn from the PDFs, which sets the W polarisation.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from wmass import constants
from wmass.generate.partons import GEV2_TO_PB, Channels, channels, sigma_hat_w, z_sigma_a4
from wmass.theory.pdfgrid import PdfGrid, load_pdf, xfx

__all__ = ["DYTable", "boson_mass_width", "build_table", "sample_linear", "sample_mys"]

_N_MASS_NODES = 48
_DY = 0.05
_N_U = 4096
_N_QUANT = 8192


@dataclass(frozen=True)
class DYTable:
    """Tabulated LO densities of one boson for one PDF set and line shape (quantile tables)."""

    boson: str
    mass: float
    width: float
    sqrt_s: float
    chan: Channels
    u_quant: np.ndarray  #: [N+1] quantiles of u at probabilities i/N
    lnm_nodes: np.ndarray  #: coarse ln m nodes
    y_nodes: np.ndarray
    y_quant: np.ndarray  #: [k, N+1] quantiles of y given the m node
    chan_cdf: np.ndarray  #: [k, j, c] cumulative channel probabilities at each (m, y) node
    sigma_pb: float  #: LO cross section in the window and |y| < y_max (no K-factor)


def boson_mass_width(params: Mapping[str, Any], boson: str) -> tuple[float, float]:
    """(M, Gamma) of ``boson`` ("w" or "z") from params, ``null`` meaning the wmass.constants value."""
    block = params[boson]
    m0, g0 = (constants.M_W, constants.GAMMA_W) if boson == "w" else (constants.M_Z, constants.GAMMA_Z)
    mass = m0 if block["mass_gev"] is None else float(block["mass_gev"])
    width = g0 if block["width_gev"] is None else float(block["width_gev"])
    return mass, width


def _sigma_c(chan: Channels, boson: str, m: np.ndarray, mass: float, width: float,
             ew: Mapping[str, Any]) -> np.ndarray:
    """[len(m), n_channels] partonic cross sections in GeV^-2."""
    shat = (np.asarray(m) ** 2)[:, None]
    if boson == "z":
        return z_sigma_a4(shat, chan.coupling[None, :].astype(int), mass, width, ew)[0]
    return sigma_hat_w(shat, mass, width, ew["gf"]) * chan.coupling[None, :]


def _lumi(pdf: PdfGrid, chan: Channels, m: np.ndarray, y: np.ndarray, sqrt_s: float) -> np.ndarray:
    """[k, j, c] x1 f(x1, m) x2 f(x2, m), zero where x >= 1."""
    mm, yy = np.meshgrid(m, y, indexing="ij")
    x1, x2 = mm / sqrt_s * np.exp(yy), mm / sqrt_s * np.exp(-yy)
    ok = (x1 < 1.0) & (x2 < 1.0)
    x1c, x2c = np.where(ok, x1, 0.5), np.where(ok, x2, 0.5)
    cache: dict[tuple[int, int], np.ndarray] = {}
    out = np.empty(mm.shape + (chan.id1.size,))
    for c, (a, b) in enumerate(zip(chan.id1, chan.id2)):
        fa = cache.setdefault((1, a), xfx(pdf, int(a), x1c, mm))
        fb = cache.setdefault((2, b), xfx(pdf, int(b), x2c, mm))
        out[..., c] = np.where(ok, np.maximum(fa, 0.0) * np.maximum(fb, 0.0), 0.0)
    return out


def build_table(params: Mapping[str, Any], boson: str, pdf_name: str | None = None) -> DYTable:
    """Tables for boson in {"wplus", "wminus", "z"} with params' line shape, window, y range and PDF.

    Cached on the values it depends on (tables are read-only), so chunks of a job build them once.
    """
    kind = "z" if boson == "z" else "w"
    mass, width = boson_mass_width(params, kind)
    m_lo, m_hi = (float(v) for v in params[kind]["mass_window_gev"])
    ew = tuple(sorted((k, float(v)) for k, v in params["electroweak"].items()))
    return _build_table(boson, mass, width, m_lo, m_hi, float(params["sqrt_s_gev"]),
                        float(params["y_max"]), pdf_name or params["pdf"]["set"], ew)


@functools.lru_cache(maxsize=16)
def _build_table(boson: str, mass: float, width: float, m_lo: float, m_hi: float, sqrt_s: float,
                 y_max: float, pdf_name: str, ew_items: tuple[tuple[str, float], ...]) -> DYTable:
    ew = dict(ew_items)
    pdf = load_pdf(pdf_name)
    chan = channels(boson, ew)
    lnm = np.linspace(np.log(m_lo), np.log(m_hi), _N_MASS_NODES)
    ny = int(round(2 * y_max / _DY)) + 1
    y = np.linspace(-y_max, y_max, ny)
    lum = _lumi(pdf, chan, np.exp(lnm), y, sqrt_s)
    chan_w = lum * _sigma_c(chan, boson, np.exp(lnm), mass, width, ew)[:, None, :]
    dens = chan_w.sum(axis=2)
    cells = 0.5 * (dens[:, 1:] + dens[:, :-1]) * np.diff(y)[None, :]
    ycum = np.concatenate([np.zeros((dens.shape[0], 1)), np.cumsum(cells, axis=1)], axis=1)
    lam = np.log(np.maximum(np.trapezoid(lum, y, axis=1), 1e-300))  # [k, c]
    # fine u grid: exact sigma_c(m), smooth Lambda_c(m) interpolated in ln m
    u_lo, u_hi = (np.arctan((m**2 - mass**2) / (mass * width)) for m in (m_lo, m_hi))
    u = np.linspace(u_lo, u_hi, _N_U)
    m_u = np.sqrt(mass**2 + mass * width * np.tan(u))
    lam_u = np.stack([np.exp(np.interp(np.log(m_u), lnm, lam[:, c])) for c in range(lam.shape[1])], 1)
    rho_m = 2.0 / m_u * (_sigma_c(chan, boson, m_u, mass, width, ew) * lam_u).sum(axis=1)
    rho_u = rho_m * mass * width / (2.0 * m_u * np.cos(u) ** 2)
    ucum = np.concatenate([[0.0], np.cumsum(0.5 * (rho_u[1:] + rho_u[:-1]) * np.diff(u))])
    sigma = float(ucum[-1]) * GEV2_TO_PB
    prob = np.linspace(0.0, 1.0, _N_QUANT + 1)
    u_quant = sample_linear(u, rho_u / ucum[-1], ucum / ucum[-1], prob)
    rows = np.repeat(np.arange(lnm.size), prob.size)
    y_quant = sample_linear(y, dens / ycum[:, -1:], ycum / ycum[:, -1:], np.tile(prob, lnm.size),
                            row=rows).reshape(lnm.size, prob.size)
    ccdf = np.cumsum(chan_w, axis=2)
    ccdf = ccdf / np.where(ccdf[..., -1:] > 0, ccdf[..., -1:], 1.0)
    return DYTable(boson, mass, width, sqrt_s, chan, u_quant, lnm, y, y_quant, ccdf, sigma)


def sample_linear(grid: np.ndarray, dens: np.ndarray, cdf: np.ndarray, r1: np.ndarray,
                  row: np.ndarray | None = None) -> np.ndarray:
    """Inverse-CDF sampling of a piecewise-linear density given at ``grid`` nodes.

    ``dens`` and ``cdf`` are [nodes] or, with ``row``, [rows, nodes] (one distribution per row);
    Returns the exact inverse of the cumulative at probabilities ``r1``.
    """
    n = grid.size
    if row is None:
        cell = np.clip(np.searchsorted(cdf, r1, side="right") - 1, 0, n - 2)
        f0, f1, c0 = dens[cell], dens[cell + 1], cdf[cell]
    else:
        flat = (cdf + np.arange(cdf.shape[0])[:, None] * 2.0).ravel()
        pos = np.searchsorted(flat, row * 2.0 + r1, side="right") - 1
        cell = np.clip(pos - row * n, 0, n - 2)
        f0, f1, c0 = dens[row, cell], dens[row, cell + 1], cdf[row, cell]
    h = grid[cell + 1] - grid[cell]
    # mass in the cell: h (f0 + f1)/2; solve f0 t + (f1 - f0) t^2 / 2 = target / h for t in [0, 1]
    target = np.clip((r1 - c0), 0.0, None) / h
    target = np.minimum(target, 0.5 * (f0 + f1))
    df = f1 - f0
    disc = np.sqrt(np.maximum(f0 * f0 + 2.0 * df * target, 0.0))
    t = 2.0 * target / np.maximum(f0 + disc, 1e-300)  # stable root, also for df -> 0
    t = np.where(f0 + f1 > 0, t, 0.5)
    return grid[cell] + np.clip(t, 0.0, 1.0) * h


def sample_mys(table: DYTable, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw m, y, x1, x2, id1, id2 and the channel index for ``n`` events."""
    r = rng.random((5, n))
    lnm, yn = table.lnm_nodes, table.y_nodes
    m, y, x1, x2, c = _mys(r, table.u_quant, table.y_quant, table.chan_cdf, table.mass**2, table.mass * table.width,
                           lnm[0], lnm[1] - lnm[0], lnm.size, yn[0], yn[1] - yn[0], yn.size, table.sqrt_s)
    return {"m": m, "y": y, "x1": x1, "x2": x2,
            "id1": table.chan.id1[c].astype(np.int32), "id2": table.chan.id2[c].astype(np.int32), "chan": c}


@numba.njit(cache=True, nogil=True)
def _mys(r: np.ndarray, u_quant: np.ndarray, y_quant: np.ndarray, chan_cdf: np.ndarray, mass2: float, mw: float,
         lnm0: float, dlnm: float, n_m: int, y0: float, dy: float, n_y: int,
         sqrt_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Event by event: u (then m) from its quantile table, the m node k by stochastic interpolation,
    y from the quantile table of node k (inside the kinematic limit), the y node j likewise, the
    channel from the cumulative channel probabilities at (k, j); x1, x2. ``r``: [5, n] uniforms."""
    n = r.shape[1]
    n_u, n_q, n_c = u_quant.shape[0] - 1, y_quant.shape[1] - 1, chan_cdf.shape[2]
    m, y, x1, x2 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    chan = np.empty(n, np.int64)
    for e in range(n):
        p = r[0, e] * n_u
        i = min(np.int64(p), n_u - 1)
        u = u_quant[i] + (p - i) * (u_quant[i + 1] - u_quant[i])
        me = np.sqrt(mass2 + mw * np.tan(u))
        pos = min(max((np.log(me) - lnm0) / dlnm, 0.0), n_m - 1.0)
        k = min(np.int64(pos) + (r[1, e] < pos % 1.0), n_m - 1)
        p = r[2, e] * n_q
        i = min(np.int64(p), n_q - 1)
        ye = y_quant[k, i] + (p - i) * (y_quant[k, i + 1] - y_quant[k, i])
        ylim = np.log(sqrt_s / me) - 1e-9
        ye = min(max(ye, -ylim), ylim)
        fy = min(max((ye - y0) / dy, 0.0), n_y - 1.0)
        j = min(np.int64(fy) + (r[3, e] < fy % 1.0), n_y - 1)
        c = 0
        for cc in range(n_c):
            c += chan_cdf[k, j, cc] < r[4, e]
        chan[e] = min(c, n_c - 1)
        m[e], y[e] = me, ye
        x1[e] = me / sqrt_s * np.exp(ye)
        x2[e] = me * me / (sqrt_s * sqrt_s * x1[e])
    return m, y, x1, x2, chan
