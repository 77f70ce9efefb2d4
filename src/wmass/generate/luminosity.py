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

import numpy as np

from wmass import constants
from wmass.generate.partons import GEV2_TO_PB, Channels, channels, sigma_hat_w, z_sigma_a4
from wmass.generate.pdfgrid import PdfGrid, load_pdf, xfx

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


def _quantile(table: np.ndarray, r: np.ndarray, row: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation of a quantile table (probabilities i/N) at r in [0, 1)."""
    n = table.shape[-1] - 1
    p = r * n
    i = np.minimum(p.astype(np.int64), n - 1)
    f = p - i
    if row is None:
        lo, hi = table[i], table[i + 1]
    else:
        flat = table.ravel()
        base = row * (n + 1) + i
        lo, hi = flat[base], flat[base + 1]
    return lo + f * (hi - lo)


def sample_mys(table: DYTable, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw m, y, x1, x2, id1, id2 and the channel index for ``n`` events."""
    r = rng.random((5, n))
    u = _quantile(table.u_quant, r[0])
    m = np.sqrt(table.mass**2 + table.mass * table.width * np.tan(u))
    lnm = table.lnm_nodes
    pos = np.clip((np.log(m) - lnm[0]) / (lnm[1] - lnm[0]), 0.0, lnm.size - 1.0)
    k = np.minimum(pos.astype(np.int64) + (r[1] < pos % 1.0), lnm.size - 1)
    y = _quantile(table.y_quant, r[2], row=k)
    ylim = np.log(table.sqrt_s / m) - 1e-9
    y = np.clip(y, -ylim, ylim)
    ny = table.y_nodes.size
    fy = np.clip((y - table.y_nodes[0]) / (table.y_nodes[1] - table.y_nodes[0]), 0.0, ny - 1.0)
    j = np.minimum(fy.astype(np.int64) + (r[3] < fy % 1.0), ny - 1)
    cdf = table.chan_cdf[k, j]
    c = np.minimum((cdf < r[4][:, None]).sum(axis=1), cdf.shape[1] - 1)
    x1 = m / table.sqrt_s * np.exp(y)
    return {"m": m, "y": y, "x1": x1, "x2": m * m / (table.sqrt_s**2 * x1),
            "id1": table.chan.id1[c].astype(np.int32), "id2": table.chan.id2[c].astype(np.int32),
            "chan": c}
