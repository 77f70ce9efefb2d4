"""Sampling of QED final-state radiation off muons (model and weights: wmass.theory.qed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from wmass.interp import interp
from wmass.theory.qed import fsr_beta, fsr_exponent

__all__ = ["sample_fsr_fraction"]

_N_Z = 2048


def sample_fsr_fraction(rng: np.random.Generator, q: np.ndarray, p: Mapping[str, Any],
                        m_mu: float) -> np.ndarray:
    """Photon energy fraction z per muon (0 if none above z_min); the muon keeps (1 - z) of its momentum.

    Collinear approximation: the muon direction is unchanged and the photon (not stored) takes z.
    """
    n = q.size
    r = rng.random((2, n))  # fixed count per muon: emission test, photon energy
    if not p["enabled"]:
        return np.zeros(n)
    z_min = p["z_min"]
    p_emit = 1.0 - np.exp(-fsr_beta(q, p["alpha"], m_mu) * fsr_exponent(z_min))
    z = np.zeros(n)
    emit = np.flatnonzero(r[0] < p_emit)
    z[emit] = _z_quantile(r[1, emit], z_min)
    return z


def _z_quantile(u: np.ndarray, z_min: float) -> np.ndarray:
    """Inverse CDF of (1 + (1 - z)²)/(2z) on [z_min, 1], tabulated in ln z (exact CDF at the nodes)."""
    z = np.exp(np.linspace(np.log(z_min), 0.0, _N_Z))
    cdf = np.log(z / z_min) - (z - z_min) + (z * z - z_min * z_min) / 4.0
    return np.exp(interp(u * cdf[-1], cdf, np.log(z)))
