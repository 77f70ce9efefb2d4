"""Breit-Wigner line shape and the boson mass and width weights (pure functions of m^V).

The line shape is the relativistic Breit-Wigner with an s-dependent width,

.. math:: BW(m; M, \\Gamma) = \\frac{M\\Gamma/\\pi}{(m^2 - M^2)^2 + m^4\\Gamma^2/M^2},

normalised to unit integral over m^2 in the narrow-width limit, so the mass weights move the peak
without changing the normalisation (as the BW reweighting of CMS's MiNNLO samples; the residual
luminosity dependence of the total cross section on M is below 1e-3 per 100 MeV). A mass shift moves
the width with it as Gamma ∝ M^3 (fixed G_F: Gamma_W = 3 G_F M_W^3 / (2 sqrt 2 pi) (1 + ...)).
"""

from __future__ import annotations

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
    s = m * m
    ds = s - mass * mass
    d0 = ds * ds + s * s * (width / mass) ** 2
    shift = (mk * mk - mass * mass).astype(np.float32)
    g2 = ((gk / mk) ** 2).astype(np.float32)
    norm = (mk * gk / (mass * width)).astype(np.float32)
    a = ds.astype(np.float32)[:, None] - shift[None, :]
    dk = a * a
    dk += (s * s).astype(np.float32)[:, None] * g2[None, :]
    out = norm[None, :] * d0.astype(np.float32)[:, None]
    out /= dk
    return out


def width_weights(m: np.ndarray, mass: float, width: float, widths: np.ndarray) -> np.ndarray:
    """[n, k] weights BW(m; M, Gamma_k) / BW(m; M, Gamma) for alternative widths (GeV)."""
    wk = np.asarray(widths, dtype=float)
    return _bw_ratio(m, mass, width, np.full(wk.size, mass), wk)
