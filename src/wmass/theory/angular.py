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

import numba
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
    n = np.shape(pt)[0]
    par = np.array([p["a0_k"], p["a2_ratio"], p["a4_scale"], p["a1_coef"], p["a3_coef"], p["a5"], p["a6"], p["a7"]],
                   dtype=float)
    pt_c, m_c, a4_lo_c, s_q_c = (np.ascontiguousarray(np.broadcast_to(v, (n,)), dtype=np.float64)
                                 for v in (pt, m, a4_lo, s_q))
    return _coefficients(pt_c, m_c, a4_lo_c, s_q_c, par)


@numba.njit(cache=True, nogil=True)
def _coefficients(pt: np.ndarray, m: np.ndarray, a4_lo: np.ndarray, s_q: np.ndarray, par: np.ndarray) -> np.ndarray:
    """The model of the module docstring, event by event; ``par`` = (a0_k, a2_ratio, a4_scale, a1_coef,
    a3_coef, a5, a6, a7)."""
    a0_k, a2_ratio, a4_scale, a1_coef, a3_coef = par[0], par[1], par[2], par[3], par[4]
    a = np.empty((pt.shape[0], N_COEFF))
    for i in range(pt.shape[0]):
        pt2, m2 = pt[i] * pt[i], m[i] * m[i]
        mt2 = pt2 + m2
        a0 = pt2 / (pt2 + a0_k * m2)
        s = s_q[i]
        a[i, 0] = a0
        a[i, 1] = a1_coef * pt2 / mt2 * s
        a[i, 2] = a2_ratio * a0
        a[i, 3] = a3_coef * 0.5 * a4_lo[i] * pt2 / mt2
        a[i, 4] = a4_scale * a4_lo[i] * (1.0 - 0.5 * a0) * np.sqrt(m2 / mt2) * s
        a[i, 5] = par[5] * s
        a[i, 6] = par[6]
        a[i, 7] = par[7] * s
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
    n = np.shape(cos)[0]
    coeff = np.ascontiguousarray(coeff, dtype=np.float64)
    rel = np.broadcast_to(np.asarray(p["variation_rel"], dtype=float), (5,)).copy()
    ab = np.broadcast_to(np.asarray(p["variation_abs"], dtype=float), (5,)).copy()
    return _helicity_weights(np.ascontiguousarray(cos, dtype=np.float64), np.ascontiguousarray(phi, dtype=np.float64),
                             coeff, np.ascontiguousarray(np.broadcast_to(s_q, (n,)), dtype=np.float64), rel, ab,
                             bool(np.any(coeff[:, 5:])))


@numba.njit(cache=True, nogil=True)
def _helicity_weights(cos: np.ndarray, phi: np.ndarray, coeff: np.ndarray, s_q: np.ndarray, rel: np.ndarray,
                      ab: np.ndarray, higher: bool) -> np.ndarray:
    """helicity_weights event by event: 1 ± s δ_i P_i / density (``higher``: A5..A7 enter the density)."""
    out = np.empty((cos.shape[0], 10), dtype=np.float32)
    poly = np.empty(5)
    for e in range(cos.shape[0]):
        c = cos[e]
        sin = np.sqrt(max(1.0 - c * c, 0.0))
        cphi = np.cos(phi[e])
        poly[0] = 0.5 * (1.0 - 3.0 * c * c)
        poly[1] = 2.0 * sin * c * cphi
        poly[2] = 0.5 * sin * sin * (2.0 * cphi * cphi - 1.0)
        poly[3] = sin * cphi
        poly[4] = c
        nominal = 1.0 + c * c
        for i in range(5):
            nominal += coeff[e, i] * poly[i]
        if higher:
            sphi = np.sin(phi[e])
            nominal += (coeff[e, 5] * sin * sin * 2.0 * sphi * cphi + coeff[e, 6] * 2.0 * sin * c * sphi
                        + coeff[e, 7] * sin * sphi)
        inv = 1.0 / nominal
        for i in range(5):
            delta = rel[i] * abs(coeff[e, i]) + ab[i]
            sign = s_q[e] if i == 1 or i == 4 else 1.0  # the odd A_i among A0..A4 (ODD)
            shift = sign * delta * poly[i] * inv
            out[e, 2 * i] = 1.0 + shift
            out[e, 2 * i + 1] = 1.0 - shift
    return out
