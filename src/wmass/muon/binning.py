"""The muon η binning, defined only here: the acceptance, the per-η detector parameters
(curvature biases, resolution), the calibration, the efficiency cells and the fit's η axis.

48 bins of width 0.1 in [-2.4, 2.4], the granularity of the CMS calibration and of the m_W fit.
Parameters are given in the config as polynomial coefficients in η and evaluated at the bin
centres, so they are constant within a bin (as the calibration model assumes) and smooth across.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ETA_MAX", "N_ETA_BINS", "binned", "eta_bin", "eta_centres", "eta_edges", "per_bin", "poly_in_eta"]

#: Tracker (and analysis) acceptance |η| < 2.4 of every muon.
ETA_MAX = 2.4
#: Number of η bins (per-η parameters, calibration and efficiency cells, the fit's η axis).
N_ETA_BINS = 48


def eta_edges() -> np.ndarray:
    """The 49 bin edges in η."""
    return np.linspace(-ETA_MAX, ETA_MAX, N_ETA_BINS + 1)


def eta_centres() -> np.ndarray:
    """The 48 bin centres in η."""
    e = eta_edges()
    return 0.5 * (e[1:] + e[:-1])


def eta_bin(eta: np.ndarray) -> np.ndarray:
    """Index (0..47) of the η bin of each value; values outside the acceptance go to the edge bins."""
    width = 2.0 * ETA_MAX / N_ETA_BINS
    idx = np.floor((np.asarray(eta, dtype=np.float64) + ETA_MAX) / width).astype(np.int64)
    return np.clip(idx, 0, N_ETA_BINS - 1)


def poly_in_eta(coeffs: Sequence[float], eta: np.ndarray) -> np.ndarray:
    """Σ_i c_i η^i (coefficients in increasing power)."""
    return np.polynomial.polynomial.polyval(np.asarray(eta, dtype=np.float64), np.asarray(coeffs, dtype=np.float64))


def per_bin(coeffs: Sequence[float]) -> np.ndarray:
    """The polynomial Σ_i c_i η^i evaluated at the 48 bin centres."""
    return poly_in_eta(coeffs, eta_centres())


def binned(values: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Look up per-bin ``values`` (shape [48]) at each η."""
    return np.asarray(values)[eta_bin(eta)]
