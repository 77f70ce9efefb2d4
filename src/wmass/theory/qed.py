"""QED final-state radiation off a muon: collinear radiator and the FSR on/off and strength weights.

Each muon of a decay at hard scale Q radiates at most one (exponentiated) photon with energy fraction
z > z_min drawn from the collinear splitting function,

.. math:: dP = \\beta\\,\\frac{1 + (1 - z)^2}{2z}\\,dz,\\qquad
          \\beta = \\frac{\\alpha}{\\pi}\\Big(\\ln\\frac{Q^2}{m_\\mu^2} - 1\\Big),\\qquad
          P_{\\rm none} = e^{-\\beta I(z_{\\min})},

I(z) = -ln z - (1 - z) + (1 - z²)/4 (the YFS soft exponent shared between the two legs of a pair;
cf. PHOTOS, Comput. Phys. Commun. 79 (1994) 291). Since emission is a reweightable random process,
scaling its strength by k is the exact weight k e^{-(k-1) β I} for a muon that radiated and
e^{-(k-1) β I} for one that did not; "off" is the k = 0 limit (0 or e^{β I}). Whether a muon radiated
is stored (mu_pt < mu_pt_prefsr), so these are pure functions of the truth record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["fsr_beta", "fsr_exponent", "fsr_labels", "fsr_weights"]


def fsr_beta(q: np.ndarray | float, alpha: float, m_mu: float) -> np.ndarray:
    """β(Q) = α/π (ln(Q²/m_μ²) - 1) of one radiating muon."""
    return alpha / np.pi * (np.log(np.asarray(q, dtype=float) ** 2 / m_mu**2) - 1.0)


def fsr_exponent(z_min: float) -> float:
    """I(z_min) = ∫_{z_min}^1 (1 + (1 - z)²) / (2 z) dz."""
    return float(-np.log(z_min) - (1.0 - z_min) + (1.0 - z_min**2) / 4.0)


def fsr_labels(p: Mapping[str, Any]) -> list[str]:
    """Labels of fsr_weights."""
    return ["fsrOff", "fsrStrengthUp", "fsrStrengthDown"]


def fsr_weights(emitted: np.ndarray, valid: np.ndarray, q: np.ndarray, p: Mapping[str, Any],
                m_mu: float) -> np.ndarray:
    """[n, 3] weights: FSR off, strength x (1 + v), x (1 - v); ``emitted``/``valid`` are [n, 2]."""
    bi = (fsr_beta(q, p["alpha"], m_mu) * fsr_exponent(p["z_min"]))[:, None]
    rad = valid & emitted
    quiet = valid & ~emitted
    out = np.empty((q.size, 3), dtype=np.float32)
    off = np.where(rad, 0.0, np.where(quiet, np.exp(bi), 1.0))
    out[:, 0] = off.prod(axis=1)
    for col, k in ((1, 1.0 + p["strength_variation"]), (2, 1.0 - p["strength_variation"])):
        w = np.where(rad, k * np.exp(-(k - 1.0) * bi), np.where(quiet, np.exp(-(k - 1.0) * bi), 1.0))
        out[:, col] = w.prod(axis=1)
    return out
