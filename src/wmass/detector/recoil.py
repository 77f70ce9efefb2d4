"""Hadronic recoil, missing transverse momentum and transverse mass.

Recoil response R(u) = r_inf (1 − r_drop exp(−u/u0)) (low-pT hadrons are under-measured) and a
Gaussian resolution per component σ² = σ0² + σ_pu² nPU + (f u)², growing with pile-up.
pT^miss = −(Σ visible muons + reconstructed recoil); mT = sqrt(2 pT^μ pT^miss (1 − cos Δφ)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.detector.blocks import FloatBlock

__all__ = ["RecoilParams", "missing_pt", "reco_recoil", "recoil_response", "transverse_mass"]


@dataclass(frozen=True)
class RecoilParams(FloatBlock):
    """Response r_inf (1 − r_drop exp(−u/u0)) and resolution σ² = σ0² + σ_pu² nPU + (f u)² (GeV)."""

    response: float  #: r_inf
    response_drop: float  #: r_drop
    response_scale: float  #: u0 (GeV)
    sigma0: float  #: GeV
    sigma_pu: float  #: GeV per sqrt(interaction)
    sigma_frac: float  #: f



def recoil_response(u: np.ndarray, r_inf: float, r_drop: float, u0: float) -> np.ndarray:
    """Mean reconstructed/true recoil magnitude at true recoil u (GeV)."""
    return r_inf * (1.0 - r_drop * np.exp(-np.asarray(u) / u0))


def reco_recoil(
    ux: np.ndarray, uy: np.ndarray, n_pu: np.ndarray, p: RecoilParams, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Reconstructed recoil (x, y) from the true recoil, nPU and standard normals ``z`` of shape [n, 2]."""
    u = np.hypot(ux, uy)
    r = recoil_response(u, p.response, p.response_drop, p.response_scale)
    sigma = np.sqrt(p.sigma0**2 + p.sigma_pu**2 * n_pu + (p.sigma_frac * u) ** 2)
    return r * ux + sigma * z[:, 0], r * uy + sigma * z[:, 1]


def missing_pt(
    vis_px: np.ndarray, vis_py: np.ndarray, ux: np.ndarray, uy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(pT^miss, φ^miss) = −(visible + recoil)."""
    mx, my = -(vis_px + ux), -(vis_py + uy)
    return np.hypot(mx, my), np.arctan2(my, mx)


def transverse_mass(pt: np.ndarray, phi: np.ndarray, met: np.ndarray, met_phi: np.ndarray) -> np.ndarray:
    """mT = sqrt(2 pT pT^miss (1 − cos Δφ)) in GeV."""
    return np.sqrt(np.maximum(2.0 * pt * met * (1.0 - np.cos(phi - met_phi)), 0.0))
