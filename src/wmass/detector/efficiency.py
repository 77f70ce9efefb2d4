"""Muon efficiencies as smooth functions of (pT, η, q), one parameter set per step.

Steps (:data:`wmass.muon.efficiency.STEPS`, the CMS tag-and-probe chain of the seeds): ``tracking`` (inner track given a standalone
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
from dataclasses import astuple, dataclass
from typing import Any

import numba
import numpy as np

from wmass.detector.blocks import FloatBlock
from wmass.muon.efficiency import STEPS

__all__ = ["STEPS", "EfficiencyParams", "efficiencies_from_config", "efficiency"]


@dataclass(frozen=True)
class EfficiencyParams(FloatBlock):
    """The parameters of one step (see the module docstring), in the order of ``_efficiency``."""

    plateau: float
    eta1: float
    eta2: float
    dip_depth: float
    dip_eta: float
    dip_width: float  #: of the dip in |η|
    charge_asym: float
    lowpt_drop: float
    lowpt_scale: float  #: GeV



def efficiencies_from_config(block: Mapping[str, Any]) -> dict[str, EfficiencyParams]:
    """Step → parameters, from the ``detector.efficiency`` config block (every step of STEPS)."""
    return {step: EfficiencyParams.from_config(block[step]) for step in STEPS}


def efficiency(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, p: EfficiencyParams) -> np.ndarray:
    """Efficiency of one step at (pT [GeV], η, q) for the parameters ``p`` (see module docstring)."""
    pt, eta, charge = np.broadcast_arrays(np.asarray(pt, dtype=np.float64), np.asarray(eta, dtype=np.float64),
                                          np.asarray(charge, dtype=np.float64))
    par = np.array(astuple(p), dtype=np.float64)
    pt_f, eta_f, charge_f = (np.ascontiguousarray(v).reshape(-1) for v in (pt, eta, charge))
    return _efficiency(pt_f, eta_f, charge_f, par).reshape(pt.shape)


@numba.njit(cache=True, nogil=True)
def _efficiency(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, par: np.ndarray) -> np.ndarray:
    """The formula of the module docstring, muon by muon."""
    plateau, eta1, eta2, dip_depth, dip_eta, dip_width, charge_asym, lowpt_drop, lowpt_scale = (
        par[0], par[1], par[2], par[3], par[4], par[5], par[6], par[7], par[8])
    out = np.empty(pt.shape[0])
    for i in range(pt.shape[0]):
        x = eta[i]
        shape = plateau + eta1 * x + eta2 * (x * x)
        d = (abs(x) - dip_eta) / dip_width
        shape = shape - dip_depth * np.exp(-0.5 * (d * d))
        shape = shape * (1.0 + charge[i] * charge_asym)
        shape = shape * (1.0 - lowpt_drop * np.exp(-max(pt[i] - 3.0, 0.0) / lowpt_scale))
        out[i] = min(max(shape, 0.0), 1.0)
    return out
