"""Reconstructed muon momentum: the curvature bias and Gaussian curvature smearing of the detector.

k_reco = k_true (1 + δk/k) (1 + σ_k/k · z), z ~ N(0, 1): Gaussian in curvature, as a track fit gives.
The model itself (δk/k = A − ε k + q M / k and σ_k/k per η bin) is :mod:`wmass.muon.curvature`;
this module draws from it.
"""

from __future__ import annotations

import numpy as np

from wmass.muon.curvature import CurvatureBias, Resolution, curvature_bias, relative_resolution

__all__ = ["reconstruct_pt"]


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
