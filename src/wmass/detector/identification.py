"""Muon reconstruction categories, impact parameters and the standalone-muon momentum.

A muon has an inner track with the ``tracking`` efficiency and a standalone (muon-system) track with
the ``reco`` efficiency, drawn independently:

    track and standalone → global muon (isGlobal, isTracker, isStandalone): the analysis muon
    track only           → tracker muon (isTracker)       standalone only → standalone muon (isStandalone)

so the tracking efficiency is measured on standalone probes and the reco efficiency on tracker
probes, as in CMS. looseId = isGlobal or isTracker (PF muon); mediumId needs a global muon and
passes with the ``idip`` efficiency. Impact parameters: Gaussian resolution
σ = sqrt(s0² + (s1/pT)²) plus a Laplace-distributed displacement of scale λ for muons from
τ (λ_τ) or heavy-flavour (λ_hf) decays; dxy is measured from the beam spot (``dxybs``) and from the
primary vertex (``dxy``, which adds the beam-spot–vertex offset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.detector.blocks import FloatBlock

__all__ = ["ORIGIN_HF", "ORIGIN_PROMPT", "ORIGIN_TAU", "ImpactParameterParams", "categories", "impact_parameters",
           "standalone_pt"]

#: Origin codes of a muon: from the boson, from a τ decay, from a heavy-flavour hadron decay.
ORIGIN_PROMPT, ORIGIN_TAU, ORIGIN_HF = 0, 1, 2


@dataclass(frozen=True)
class ImpactParameterParams(FloatBlock):
    """Resolution σ = sqrt(s0² + (s1/pT)²), displacement scales λ_τ, λ_hf, beam-spot–vertex offset (cm)."""

    sigma0_cm: float
    sigma1_cm_gev: float
    tau_cm: float
    hf_cm: float
    beamspot_offset_cm: float



def categories(has_track: np.ndarray, has_standalone: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean flags isGlobal, isTracker, isStandalone and ``present`` (any of them)."""
    is_global = has_track & has_standalone
    return {
        "is_global": is_global,
        "is_tracker": has_track,
        "is_standalone": has_standalone,
        "present": has_track | has_standalone,
    }


def standalone_pt(pt: np.ndarray, resolution: float, z: np.ndarray) -> np.ndarray:
    """pT measured by the muon system alone (relative Gaussian resolution, ~10%)."""
    return np.asarray(pt) * np.clip(1.0 + resolution * z, 0.1, None)


def impact_parameters(
    pt: np.ndarray, origin: np.ndarray, p: ImpactParameterParams, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dxybs, dxy, dz) in cm for muons of pT (GeV) and origin code (arrays of one shape)."""
    pt = np.maximum(np.asarray(pt, dtype=np.float64), 0.5)
    shape = pt.shape
    sigma = np.sqrt(p.sigma0_cm**2 + (p.sigma1_cm_gev / pt) ** 2)
    scale = np.select([origin == ORIGIN_TAU, origin == ORIGIN_HF], [p.tau_cm, p.hf_cm], 0.0)
    dxybs = sigma * rng.standard_normal(shape) + scale * rng.laplace(0.0, 1.0, shape)
    dxy = dxybs + p.beamspot_offset_cm * rng.standard_normal(shape)
    dz = np.sqrt(2.0) * sigma * rng.standard_normal(shape) + 2.0 * scale * rng.laplace(0.0, 1.0, shape)
    return dxybs, dxy, dz
