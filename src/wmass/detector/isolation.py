"""Relative PF isolation in a cone ΔR < 0.4 (``Muon_pfRelIso04_all``, Δβ-corrected).

    I_abs = r_had · (true hadronic pT in the cone) + UE/pile-up residual [+ overlap]
    pfRelIso04_all = I_abs / pT^μ

The UE/pile-up residual after the Δβ correction is Gamma distributed with mean ue0 + ue_pu·nPU
(GeV) and shape k. With probability 1 − ε_iso(pT, η, q) (the ``iso`` efficiency step) an unrelated
jet or pile-up fluctuation overlaps the muon and adds pT^μ (o_min + Exp(o_mean)) to the cone,
so the muon fails the 0.15 working point. Prompt muons (no true cone activity) are thus isolated;
nonprompt muons inside jets are not, and because the cone activity is part of the hadronic
recoil, their isolation is correlated with pT^miss and mT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.detector.blocks import FloatBlock

__all__ = ["IsolationParams", "relative_isolation"]


@dataclass(frozen=True)
class IsolationParams(FloatBlock):
    """UE/pile-up residual mean ue0 + ue_pu·nPU (GeV) and Gamma shape, hadron response, overlap (pT^μ units)."""

    ue0: float
    ue_pu: float
    ue_shape: float
    had_response: float
    overlap_min: float
    overlap_mean: float



def relative_isolation(
    pt: np.ndarray,
    cone_had_pt: np.ndarray,
    n_pu: np.ndarray,
    overlap: np.ndarray,
    p: IsolationParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """pfRelIso04_all for muons of reconstructed pT (GeV); ``overlap`` (bool) marks an overlapping jet.

    All arrays have one shape (``n_pu``: the pile-up interactions of each muon's event).
    """
    pt = np.asarray(pt, dtype=np.float64)
    mean_ue = p.ue0 + p.ue_pu * np.asarray(n_pu, dtype=np.float64)
    ue = rng.gamma(p.ue_shape, 1.0, pt.shape) * (mean_ue / p.ue_shape)
    extra = p.overlap_min + rng.exponential(p.overlap_mean, pt.shape)
    iso_abs = p.had_response * np.asarray(cone_had_pt) + ue + np.where(overlap, extra * pt, 0.0)
    return iso_abs / np.maximum(pt, 1e-3)
