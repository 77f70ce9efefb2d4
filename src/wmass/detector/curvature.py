"""Muon momentum scale and resolution in curvature k = 1/pT (the CMS model of the seeds).

Bias:        δk/k = A_η − ε_η k + q M_η / k
             (A: magnetic field, ε: energy loss in material [GeV], M: alignment/sagitta [GeV⁻¹])
Resolution:  (σ_pT/pT)² = (σ_k/k)² = a² + c² pT² + b² / (1 + d²/pT²)
             (a: multiple scattering, c: hit resolution [GeV⁻¹], b, d: correlation terms, d [GeV])
k_reco = k_true (1 + δk/k) (1 + σ_k/k · z), z ~ N(0, 1): Gaussian in curvature, as a track fit gives.
All parameters are constant within the η bins of :mod:`wmass.muon.binning`.
Reference: CMS-PAS-SMP-23-002; seed slides "Muon scale calibration" and "Calibration model revisited".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from wmass.muon.binning import eta_bin, per_bin

__all__ = [
    "CurvatureBias",
    "Resolution",
    "biased_pt",
    "curvature_bias",
    "reconstruct_pt",
    "relative_resolution",
    "scale_factor",
]


@dataclass(frozen=True)
class CurvatureBias:
    """Per-η-bin A (dimensionless), ε (GeV) and M (GeV⁻¹), each of shape [48]."""

    A: np.ndarray
    epsilon: np.ndarray
    M: np.ndarray

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> CurvatureBias:
        """From the ``curvature`` config block: polynomial coefficients in η of A, epsilon, M."""
        return cls(A=per_bin(block["A"]), epsilon=per_bin(block["epsilon"]), M=per_bin(block["M"]))


@dataclass(frozen=True)
class Resolution:
    """Per-η-bin a, b (dimensionless), c (GeV⁻¹), d (GeV), each of shape [48]."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> Resolution:
        """From the ``resolution`` config block: polynomial coefficients in η of a, b, c, d."""
        return cls(*(per_bin(block[key]) for key in ("a", "b", "c", "d")))


def curvature_bias(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """δk/k = A − ε k + q M / k at the true pT (GeV), η and charge q = ±1."""
    idx = eta_bin(eta)
    k = 1.0 / np.asarray(pt, dtype=np.float64)
    return bias.A[idx] - bias.epsilon[idx] * k + np.asarray(charge) * bias.M[idx] / k


def scale_factor(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """pT_reco / pT_true without smearing: 1 / (1 + δk/k)."""
    return 1.0 / (1.0 + curvature_bias(pt, eta, charge, bias))


def biased_pt(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """pT after the scale bias only (no smearing)."""
    return np.asarray(pt, dtype=np.float64) * scale_factor(pt, eta, charge, bias)


def relative_resolution(pt: np.ndarray, eta: np.ndarray, res: Resolution) -> np.ndarray:
    """σ_pT/pT = sqrt(a² + c² pT² + b²/(1 + d²/pT²)) at pT (GeV) and η."""
    idx = eta_bin(eta)
    pt = np.asarray(pt, dtype=np.float64)
    a, b, c, d = res.a[idx], res.b[idx], res.c[idx], res.d[idx]
    return np.sqrt(a**2 + (c * pt) ** 2 + b**2 / (1.0 + (d / pt) ** 2))


def reconstruct_pt(
    pt: np.ndarray,
    eta: np.ndarray,
    charge: np.ndarray,
    bias: CurvatureBias,
    res: Resolution,
    z: np.ndarray,
) -> np.ndarray:
    """Reconstructed pT from true pT: bias then Gaussian curvature smearing with standard normals ``z``.

    k_reco = k (1 + δk/k)(1 + σ z); |σ z| is kept below 0.9 so that k_reco stays positive.
    """
    pt = np.asarray(pt, dtype=np.float64)
    smear = np.clip(relative_resolution(pt, eta, res) * z, -0.9, 0.9)
    k_reco = (1.0 / pt) * (1.0 + curvature_bias(pt, eta, charge, bias)) * (1.0 + smear)
    return 1.0 / k_reco
