"""Angular coefficients A_i(pT^V, y^V) of the lepton in the Collins-Soper frame, and their weights.

.. math:: \\frac{d\\sigma}{d\\cos\\theta\\,d\\phi} \\propto (1 + \\cos^2\\theta) + \\sum_{i=0}^{7} A_i P_i,
   \\quad P = (\\tfrac12(1-3c^2),\\ \\sin2\\theta\\cos\\phi,\\ \\tfrac12\\sin^2\\theta\\cos2\\phi,\\
   \\sin\\theta\\cos\\phi,\\ c,\\ \\sin^2\\theta\\sin2\\phi,\\ \\sin2\\theta\\sin\\phi,\\ \\sin\\theta\\sin\\phi)

(arXiv:1606.00689 eq. 1). Frame: Collins-Soper, z along the boson's longitudinal direction, x along
its qT (CS's "away from p_A + p_B"), so when z points against the incoming quark the coefficients odd
under z -> -z at fixed x (A1, A4, A5, A7) change sign: s_q = +1 if the quark moves along +z.
Model (quark frame, O(alpha_s)-like shapes, parameters from the ``angular`` config block):

* A0 = pT² / (pT² + k0 m²) (qq̄: k0 = 1, qg: k0 = 1/5; LHC mix ~ 1/2), A2 = r2 A0 (Lam-Tung broken);
* A4 = A4_LO(ŝ, flavour) (1 - A0/2) m / mT, A4_LO = ±2 for W∓ (V-A), A1/A0 of the γ*/Z couplings
  for Z (|A4| ≤ 2 - A0 keeps the helicity fractions non-negative);
* A1 = c1 pT² / mT², A3 = c3 (A4_LO/2) pT² / mT² (∝ pT² at small pT so that the interference terms
  respect positivity, |A1|, |A3| ≲ sqrt(f_0 f_∓)); A5, A6, A7 constants (0: they enter at O(alpha_s²)).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["N_COEFF", "ODD", "angular_coefficients", "angular_density", "angular_polynomials",
           "helicity_variation_labels", "helicity_weights", "quark_sign"]

N_COEFF = 8
#: Coefficients that flip sign with the direction of the incoming quark along the CS z axis.
ODD = (1, 4, 5, 7)


def quark_sign(id1: np.ndarray, y_v: np.ndarray) -> np.ndarray:
    """+1 if the incoming quark moves along the CS +z axis (the boson's longitudinal direction)."""
    s_beam = np.where(id1 > 0, 1.0, -1.0)  # quark in beam 1 moves along +z in the lab
    return s_beam * np.where(y_v >= 0, 1.0, -1.0)


def angular_coefficients(pt: np.ndarray, m: np.ndarray, a4_lo: np.ndarray, s_q: np.ndarray,
                         p: Mapping[str, Any]) -> np.ndarray:
    """[n, 8] CS-frame A_i for the given boson pT, mass, LO quark-frame A4 and quark sign."""
    pt2, m2 = pt * pt, m * m
    mt2 = pt2 + m2
    a = np.zeros((pt.size, N_COEFF))
    a[:, 0] = pt2 / (pt2 + p["a0_k"] * m2)
    a[:, 2] = p["a2_ratio"] * a[:, 0]
    a[:, 4] = p["a4_scale"] * a4_lo * (1.0 - 0.5 * a[:, 0]) * np.sqrt(m2 / mt2)
    a[:, 1] = p["a1_coef"] * pt2 / mt2
    a[:, 3] = p["a3_coef"] * 0.5 * a4_lo * pt2 / mt2
    a[:, 5], a[:, 6], a[:, 7] = p["a5"], p["a6"], p["a7"]
    for i in ODD:
        a[:, i] *= s_q
    return a


def angular_polynomials(cos: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """[n, 8] the P_i(cosθ, φ) of the module docstring."""
    sin = np.sqrt(np.clip(1.0 - cos * cos, 0.0, None))
    s2t = 2.0 * sin * cos
    return np.stack([0.5 * (1.0 - 3.0 * cos * cos), s2t * np.cos(phi), 0.5 * sin * sin * np.cos(2 * phi),
                     sin * np.cos(phi), cos, sin * sin * np.sin(2 * phi), s2t * np.sin(phi),
                     sin * np.sin(phi)], axis=1)


def angular_density(cos: np.ndarray, phi: np.ndarray, coeff: np.ndarray) -> np.ndarray:
    """(1 + cos²θ) + Σ A_i P_i for per-event coefficients ``coeff`` [n, 8]."""
    return 1.0 + cos * cos + np.einsum("ni,ni->n", angular_polynomials(cos, phi), coeff)


def _variation_size(coeff: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """[n, 5] size of the A0..A4 variation: rel * |A_i| + abs."""
    rel = np.asarray(p["variation_rel"], dtype=float)
    ab = np.asarray(p["variation_abs"], dtype=float)
    return rel[None, :] * np.abs(coeff[:, :5]) + ab[None, :]


def helicity_variation_labels(p: Mapping[str, Any]) -> list[str]:
    """Labels of helicity_weights: A{i}{Up,Down} within the event's own pT^V bin."""
    return [f"A{i}{tag}" for i in range(5) for tag in ("Up", "Down")]


def helicity_weights(cos: np.ndarray, phi: np.ndarray, coeff: np.ndarray, s_q: np.ndarray,
                     p: Mapping[str, Any]) -> np.ndarray:
    """[n, 10] weights for A_i -> A_i ± (rel |A_i| + abs), i = 0..4, in the event's pT^V bin.

    The shift is applied in the quark frame ("Up" raises A_i^q), i.e. times s_q for the odd A_i.
    The nuisances are decorrelated in pT^V bins (``ptv_bins_gev``) and between W and Z: the weight of
    nuisance (i, bin b) is this column for events with pT^V in bin b and 1 elsewhere, so the
    processors expand these 10 columns into 10 x n_bins with ``np.digitize(pt_v, bins)``.
    """
    sin = np.sqrt(np.clip(1.0 - cos * cos, 0.0, None))
    cphi = np.cos(phi)
    poly = (0.5 * (1.0 - 3.0 * cos * cos), 2.0 * sin * cos * cphi, 0.5 * sin * sin * (2.0 * cphi * cphi - 1.0),
            sin * cphi, cos)
    nominal = 1.0 + cos * cos
    for i in range(5):
        nominal += coeff[:, i] * poly[i]
    if np.any(coeff[:, 5:]):
        sphi = np.sin(phi)
        nominal += (coeff[:, 5] * sin * sin * 2.0 * sphi * cphi + coeff[:, 6] * 2.0 * sin * cos * sphi
                    + coeff[:, 7] * sin * sphi)
    delta = _variation_size(coeff, p)
    inv = 1.0 / nominal
    out = np.empty((cos.size, 10), dtype=np.float32)
    for i in range(5):
        sign = s_q if i in ODD else 1.0
        shift = sign * delta[:, i] * poly[i] * inv
        out[:, 2 * i] = 1.0 + shift
        out[:, 2 * i + 1] = 1.0 - shift
    return out
