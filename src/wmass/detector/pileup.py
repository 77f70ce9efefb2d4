"""Pile-up: the true mean number of interactions, the number of interactions and of vertices.

nTrueInt ~ Gaussian(mean, spread) clipped at 0 (the luminosity profile, a float as in CMS
``Pileup_nTrueInt``), nPU ~ Poisson(nTrueInt), reconstructed vertices PV_npvs = 1 + the pile-up
vertices found with efficiency ε_vtx: Binomial(nPU, ε_vtx) in its Gaussian approximation
(mean ε nPU, variance ε (1 − ε) nPU, rounded and clipped to [0, nPU]; 5× faster, exact enough here).
The primary-vertex position (PV_x, PV_y, PV_z in cm, as NanoAOD) is drawn from the luminous region:
a Gaussian beam spot centred at (x, y, z) with a transverse width that includes the vertex
resolution (~20 µm) and a longitudinal width of ~3.5 cm (CMS 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.detector.blocks import FloatBlock

__all__ = ["BeamSpot", "PileupParams", "draw_pileup", "draw_primary_vertex"]


@dataclass(frozen=True)
class PileupParams(FloatBlock):
    """nTrueInt ~ Gaussian(mean, spread); vertex-finding efficiency ε_vtx."""

    mean: float
    spread: float
    vertex_eff: float



@dataclass(frozen=True)
class BeamSpot(FloatBlock):
    """Centre (x, y, z) and widths (transverse, longitudinal) of the Gaussian luminous region, in cm."""

    x_cm: float
    y_cm: float
    z_cm: float
    sigma_xy_cm: float
    sigma_z_cm: float



def draw_pileup(
    n: int, mean: float, spread: float, vertex_eff: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nTrueInt float32, nPU int32, PV_npvs int32) for ``n`` events."""
    n_true = np.clip(rng.normal(mean, spread, n), 0.0, None)
    n_pu = rng.poisson(n_true)
    found = np.rint(vertex_eff * n_pu + np.sqrt(vertex_eff * (1 - vertex_eff) * n_pu) * rng.standard_normal(n))
    npvs = 1 + np.clip(found, 0, n_pu)
    return n_true.astype(np.float32), n_pu.astype(np.int32), npvs.astype(np.int32)


def draw_primary_vertex(n: int, beamspot: BeamSpot, rng: np.random.Generator) -> np.ndarray:
    """[n, 3] float32 primary-vertex (x, y, z) in cm from the Gaussian beam spot."""
    mean = np.array([beamspot.x_cm, beamspot.y_cm, beamspot.z_cm])
    width = np.array([beamspot.sigma_xy_cm, beamspot.sigma_xy_cm, beamspot.sigma_z_cm])
    return (mean + width * rng.standard_normal((n, 3))).astype(np.float32)
