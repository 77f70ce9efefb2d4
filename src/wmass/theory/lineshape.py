"""Breit-Wigner line shape and the boson mass and width weights (pure functions of m^V).

The line shape is the relativistic Breit-Wigner with an s-dependent width,

.. math:: BW(m; M, \\Gamma) = \\frac{M\\Gamma/\\pi}{(m^2 - M^2)^2 + m^4\\Gamma^2/M^2},

normalised to unit integral over m^2 in the narrow-width limit, so the mass weights move the peak
without changing the normalisation (as the BW reweighting of CMS's MiNNLO samples; the residual
luminosity dependence of the total cross section on M is below 1e-3 per 100 MeV). A mass shift moves
the width with it as Gamma ∝ M^3 (fixed G_F: Gamma_W = 3 G_F M_W^3 / (2 sqrt 2 pi) (1 + ...)).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["breit_wigner", "mass_shifts_mev", "mass_weights", "width_weights"]


def breit_wigner(m: np.ndarray, mass: float | np.ndarray, width: float | np.ndarray) -> np.ndarray:
    """Normalised running-width Breit-Wigner in m^2 (see the module docstring)."""
    s = m * m
    return mass * width / np.pi / ((s - mass**2) ** 2 + s * s * width**2 / mass**2)


def mass_shifts_mev(step_mev: float, n_steps: int) -> np.ndarray:
    """The 2 n + 1 mass shifts -n*step ... +n*step (MeV), the nominal in the middle."""
    return np.arange(-n_steps, n_steps + 1) * float(step_mev)


def mass_weights(m: np.ndarray, mass: float, width: float, shifts_mev: np.ndarray,
                 width_power: float = 3.0) -> np.ndarray:
    """[n, k] weights BW(m; M + dM_k, Gamma (1 + dM_k/M)^p) / BW(m; M, Gamma), dM in MeV.

    Example:
        >>> w = mass_weights(np.array([80.0, 80.8]), 80.4, 2.0, np.array([0.0, 100.0]))
        >>> bool(np.allclose(w[:, 0], 1.0)) and bool(w[0, 1] < 1.0 < w[1, 1])
        True
    """
    mk = mass + np.asarray(shifts_mev, dtype=float) * 1e-3
    gk = width * (mk / mass) ** width_power
    return _bw_ratio(m, mass, width, mk, gk)


def _bw_ratio(m: np.ndarray, mass: float, width: float, mk: np.ndarray, gk: np.ndarray) -> np.ndarray:
    """[n, k] BW(m; mk, gk) / BW(m; mass, width), the [n, k] part in float32 (relative precision 1e-6)."""
    shift = (mk * mk - mass * mass).astype(np.float32)
    g2 = ((gk / mk) ** 2).astype(np.float32)
    norm = (mk * gk / (mass * width)).astype(np.float32)
    return _bw_ratio_kernel(np.ascontiguousarray(m, dtype=np.float64), float(mass), float(width), shift, g2, norm)


@numba.njit(cache=True, nogil=True)
def _bw_ratio_kernel(m: np.ndarray, mass: float, width: float, shift: np.ndarray, g2: np.ndarray,
                     norm: np.ndarray) -> np.ndarray:
    """out[i, k] = norm_k d0_i / ((ds_i - shift_k)² + s_i² g2_k): the denominator of the nominal BW in
    float64, the k columns in float32 (one pass, no [n, k] temporaries)."""
    n, k = m.shape[0], shift.shape[0]
    out = np.empty((n, k), dtype=np.float32)
    c = (width / mass) ** 2
    for i in range(n):
        s = m[i] * m[i]
        ds = s - mass * mass
        d0 = np.float32(ds * ds + s * s * c)
        a0 = np.float32(ds)
        s2 = np.float32(s * s)
        for j in range(k):
            a = a0 - shift[j]
            out[i, j] = norm[j] * d0 / (a * a + s2 * g2[j])
    return out


def width_weights(m: np.ndarray, mass: float, width: float, widths: np.ndarray) -> np.ndarray:
    """[n, k] weights BW(m; M, Gamma_k) / BW(m; M, Gamma) for alternative widths (GeV)."""
    wk = np.asarray(widths, dtype=float)
    return _bw_ratio(m, mass, width, np.full(wk.size, mass), wk)
