"""The muon momentum model in curvature k = 1/pT: the scale bias per η bin and the resolution.

Bias (the CMS calibration model of the seeds):

    k_reco = k (1 + A − ε k + q M / k),   δk/k = A − ε k + q M / k

A (dimensionless): magnetic-field scale, ε (GeV): energy loss in the material, M (GeV⁻¹):
alignment / sagitta, which moves μ⁺ and μ⁻ in opposite directions. A shifts every curvature by
the same fraction, ε weighs most at low pT (J/ψ), M most at high pT (Z, W). Its derivatives

    ∂k_reco/∂A = k,   ∂k_reco/∂ε = −k²,   ∂k_reco/∂M = q

(exact: the model is linear in A, ε, M) are what the processors' scale weights (dk = σ · ∂k_reco/∂p,
:mod:`wmass.analyses.muonscale`) and the J/ψ calibration's fit of A, ε, M per η bin use.
The parameters are called :data:`CURVATURE_PARAMS` = ("A", "e", "M") in histogram labels,
nuisance names and the ``histogram.calibration.scale_sigma`` config keys: "e" is ε (the
``detector.curvature`` config block and :class:`CurvatureBias` spell it ``epsilon``).

Resolution (of the reconstructed curvature, Gaussian as a track fit gives):

    (σ_pT/pT)² = (σ_k/k)² = a² + c² pT² + b² / (1 + d²/pT²)

a: multiple scattering, c: hit resolution (GeV⁻¹), b, d: correlation terms (d in GeV).
All parameters are constant within the η bins of :mod:`wmass.muon.binning`; the smearing itself
(random numbers) is the detector simulation's (:func:`wmass.detector.curvature.reconstruct_pt`).
The functions of the bias in k (:func:`reco_curvature`, :func:`relative_bias_k`,
:func:`curvature_derivatives`) are plain arithmetic and work on numpy and JAX arrays alike.
Reference: CMS-PAS-SMP-23-002; seed slides "Muon scale calibration" and "Calibration model revisited".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wmass.muon.binning import N_ETA_BINS, eta_bin, per_bin

__all__ = [
    "CURVATURE_PARAMS",
    "CurvatureBias",
    "Resolution",
    "biased_pt",
    "curvature_bias",
    "curvature_derivatives",
    "reco_curvature",
    "relative_bias_k",
    "relative_resolution",
    "scale_factor",
]

#: Names of the curvature-bias parameters (A, ε, M) in labels, nuisances and config keys; "e" is ε.
CURVATURE_PARAMS = ("A", "e", "M")


def _per_eta(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (N_ETA_BINS,):
        raise ValueError(f"{name} must have one value per η bin, shape ({N_ETA_BINS},), not {arr.shape}")
    return arr


@dataclass(frozen=True)
class CurvatureBias:
    """Per-η-bin A (dimensionless), ε (GeV) and M (GeV⁻¹), each of shape [N_ETA_BINS]."""

    A: np.ndarray
    epsilon: np.ndarray
    M: np.ndarray

    def __post_init__(self) -> None:
        for name in ("A", "epsilon", "M"):
            object.__setattr__(self, name, _per_eta(name, getattr(self, name)))

    @classmethod
    def from_polynomials(cls, A: Sequence[float], epsilon: Sequence[float], M: Sequence[float]) -> CurvatureBias:
        """From polynomial coefficients in η (increasing power), evaluated at the bin centres."""
        return cls(A=per_bin(A), epsilon=per_bin(epsilon), M=per_bin(M))

    @classmethod
    def zero(cls) -> CurvatureBias:
        """No bias: k_reco = k."""
        return cls(np.zeros(N_ETA_BINS), np.zeros(N_ETA_BINS), np.zeros(N_ETA_BINS))


@dataclass(frozen=True)
class Resolution:
    """Per-η-bin a, b (dimensionless), c (GeV⁻¹), d (GeV), each of shape [N_ETA_BINS]."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray

    def __post_init__(self) -> None:
        for name in ("a", "b", "c", "d"):
            object.__setattr__(self, name, _per_eta(name, getattr(self, name)))

    @classmethod
    def from_polynomials(cls, a: Sequence[float], b: Sequence[float], c: Sequence[float], d: Sequence[float]) -> Resolution:
        """From polynomial coefficients in η (increasing power), evaluated at the bin centres."""
        return cls(a=per_bin(a), b=per_bin(b), c=per_bin(c), d=per_bin(d))


def relative_bias_k(k: Any, A: Any, epsilon: Any, M: Any, charge: Any) -> Any:
    """δk/k = A − ε k + q M / k at curvature k (GeV⁻¹), with A, ε, M already looked up per muon."""
    return A - epsilon * k + charge * M / k


def reco_curvature(k: Any, A: Any, epsilon: Any, M: Any, charge: Any) -> Any:
    """k_reco = k (1 + A − ε k + q M / k) without smearing (A, ε, M per muon)."""
    return k * (1.0 + relative_bias_k(k, A, epsilon, M, charge))


def curvature_derivatives(k: Any, charge: Any) -> tuple[Any, Any, Any]:
    """(∂k_reco/∂A, ∂k_reco/∂ε, ∂k_reco/∂M) = (k, −k², q), in the order of :data:`CURVATURE_PARAMS`."""
    return k, -(k**2), charge


def curvature_bias(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """δk/k = A − ε k + q M / k at the true pT (GeV), η and charge q = ±1."""
    idx = eta_bin(eta)
    k = 1.0 / np.asarray(pt, dtype=np.float64)
    return relative_bias_k(k, bias.A[idx], bias.epsilon[idx], bias.M[idx], np.asarray(charge))


def scale_factor(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """pT_reco / pT_true without smearing: 1 / (1 + δk/k)."""
    return 1.0 / (1.0 + curvature_bias(pt, eta, charge, bias))


def biased_pt(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, bias: CurvatureBias) -> np.ndarray:
    """pT after the scale bias only (no smearing)."""
    return np.asarray(pt, dtype=np.float64) * scale_factor(pt, eta, charge, bias)


def relative_resolution(pt: np.ndarray, eta: np.ndarray, res: Resolution) -> np.ndarray:
    """σ_pT/pT = σ_k/k = sqrt(a² + c² pT² + b²/(1 + d²/pT²)) at pT (GeV) and η."""
    idx = eta_bin(eta)
    pt = np.asarray(pt, dtype=np.float64)
    a, b, c, d = res.a[idx], res.b[idx], res.c[idx], res.d[idx]
    return np.sqrt(a**2 + (c * pt) ** 2 + b**2 / (1.0 + (d / pt) ** 2))
