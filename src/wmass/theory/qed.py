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

import numba
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
    bi = fsr_beta(q, p["alpha"], m_mu) * fsr_exponent(p["z_min"])
    k = np.array([0.0, 1.0 + p["strength_variation"], 1.0 - p["strength_variation"]])
    # per column: the weight of a muon that radiated (k e^{-(k-1) βI}) and of one that did not (e^{-(k-1) βI})
    quiet = np.exp(-(k[None, :] - 1.0) * bi[:, None])
    return _fsr_products(np.ascontiguousarray(valid & emitted), np.ascontiguousarray(valid & ~emitted), k, quiet)


@numba.njit(cache=True, nogil=True)
def _fsr_products(rad: np.ndarray, quiet: np.ndarray, k: np.ndarray, e_quiet: np.ndarray) -> np.ndarray:
    """out[i, c] = Π over the muon slots of k_c e_quiet[i, c] (radiated), e_quiet[i, c] (did not), 1 (none)."""
    n, m = e_quiet.shape
    out = np.empty((n, m), dtype=np.float32)
    for i in range(n):
        for c in range(m):
            w = 1.0
            for s in range(rad.shape[1]):
                if rad[i, s]:
                    w *= k[c] * e_quiet[i, c]
                elif quiet[i, s]:
                    w *= e_quiet[i, c]
            out[i, c] = w
    return out
