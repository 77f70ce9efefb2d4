"""Pile-up: the true mean number of interactions, the number of interactions and of vertices.

nTrueInt ~ Gaussian(mean, spread) clipped at 0 (the luminosity profile, a float as in CMS
``Pileup_nTrueInt``), nPU ~ Poisson(nTrueInt), reconstructed vertices PV_npvs = 1 + the pile-up
vertices found with efficiency ε_vtx: Binomial(nPU, ε_vtx) in its Gaussian approximation
(mean ε nPU, variance ε (1 − ε) nPU, rounded and clipped to [0, nPU]; 5× faster, exact enough here).
"""

from __future__ import annotations

import numpy as np

__all__ = ["draw_pileup"]


def draw_pileup(
    n: int, mean: float, spread: float, vertex_eff: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nTrueInt float32, nPU int32, PV_npvs int32) for ``n`` events."""
    n_true = np.clip(rng.normal(mean, spread, n), 0.0, None)
    n_pu = rng.poisson(n_true)
    found = np.rint(vertex_eff * n_pu + np.sqrt(vertex_eff * (1 - vertex_eff) * n_pu) * rng.standard_normal(n))
    npvs = 1 + np.clip(found, 0, n_pu)
    return n_true.astype(np.float32), n_pu.astype(np.int32), npvs.astype(np.int32)
