"""Muon efficiencies as smooth functions of (pT, η, q), one parameter set per step.

Steps (as the CMS tag-and-probe chain of the seeds): ``tracking`` (inner track given a standalone
muon), ``reco`` (standalone/global reconstruction given a track), ``idip`` (medium ID given a
global muon), ``trigger`` (IsoMu24 leg plateau, the pT turn-on comes from the online pT, see
:mod:`wmass.detector.trigger`) and ``iso`` (no overlapping jet/pile-up activity in the cone, see
:mod:`wmass.detector.isolation`).

    ε(pT, η, q) = clip[(p + e1 η + e2 η² − D exp(−(|η| − η_D)²/(2 w²))) (1 + q c) (1 − L exp(−(pT − 3)/s)), 0, 1]

p: plateau, e1/e2: η slope/curvature, D, η_D, w: a dip (detector gaps), c: charge asymmetry,
L, s: low-pT drop and its scale (GeV). Data and simulation have different parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["STEPS", "efficiency"]

#: The efficiency steps, in the order they act on a muon.
STEPS = ("tracking", "reco", "idip", "trigger", "iso")


def efficiency(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """Efficiency of one step at (pT [GeV], η, q) for the parameter mapping ``p`` (see module docstring)."""
    pt = np.asarray(pt, dtype=np.float64)
    eta = np.asarray(eta, dtype=np.float64)
    shape = p["plateau"] + p["eta1"] * eta + p["eta2"] * eta**2
    shape = shape - p["dip_depth"] * np.exp(-0.5 * ((np.abs(eta) - p["dip_eta"]) / p["dip_width"]) ** 2)
    shape = shape * (1.0 + np.asarray(charge) * p["charge_asym"])
    shape = shape * (1.0 - p["lowpt_drop"] * np.exp(-np.maximum(pt - 3.0, 0.0) / p["lowpt_scale"]))
    return np.clip(shape, 0.0, 1.0)
