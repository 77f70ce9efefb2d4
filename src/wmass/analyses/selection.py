"""Event selection of the seeds' backup slide ("Event selection"), as plain numpy functions of flat
per-object arrays (with event offsets where a per-event answer is needed).

Veto muons (exactly one for W, two for Z): pT > 15 GeV, |η| < 2.4, loose ID, global muon,
|dxy_bs| < 0.05 cm. Selected muon: 26 < pT < pT_max GeV, |η| < 2.4, medium ID, PF relative
isolation (ΔR = 0.4) < 0.15, matched (ΔR < 0.3) to a trigger object of HLT_IsoMu24 ∥ HLT_IsoTkMu24.
Events with an electron of pT > 10 GeV, |η| < 2.4, |dxy| < 0.05 cm, |dz| < 0.2 cm and cut-based
loose ID are rejected. mT(μ, pT^miss) > 40 GeV (mw) or > 45 GeV (W-like), 60 < m_μμ < 120 GeV (Z).
"""

from __future__ import annotations

import numpy as np

from wmass.analyses import kernels
from wmass.constants import M_MU
from wmass.histograms.binning import ISO_MAX
from wmass.muon.binning import ETA_MAX

__all__ = [
    "ISO_MAX",
    "add_to_met",
    "dimuon_mass",
    "electron_veto",
    "per_event_count",
    "selected_muon_mask",
    "transverse_mass",
    "trigger_match",
    "veto_muon_mask",
]

VETO_PT_MIN, VETO_DXYBS_MAX = 15.0, 0.05
SEL_PT_MIN = 26.0
TRIGGER_DR = 0.3
ELE_PT_MIN, ELE_DXY_MAX, ELE_DZ_MAX, ELE_LOOSE = 10.0, 0.05, 0.2, 2
#: Electron acceptance of the veto (|η| < 2.4, as the muons').
ELE_ETA_MAX = 2.4


def veto_muon_mask(pt: np.ndarray, eta: np.ndarray, loose_id: np.ndarray, is_global: np.ndarray, dxybs: np.ndarray) -> np.ndarray:
    """Per-muon veto selection: pT > 15, |η| < 2.4, loose ID, global, |dxy_bs| < 0.05 cm."""
    return (pt > VETO_PT_MIN) & (np.abs(eta) < ETA_MAX) & loose_id & is_global & (np.abs(dxybs) < VETO_DXYBS_MAX)


def selected_muon_mask(pt: np.ndarray, eta: np.ndarray, medium_id: np.ndarray, matched: np.ndarray, pt_max: float) -> np.ndarray:
    """Per-muon tight selection without isolation: 26 < pT < pt_max, |η| < 2.4, medium ID, trigger matched."""
    return (pt > SEL_PT_MIN) & (pt < pt_max) & (np.abs(eta) < ETA_MAX) & medium_id & matched


def per_event_count(off: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Number of True entries of a flat per-object ``mask`` in each event (``off``: event offsets)."""
    cs = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return cs[off[1:]] - cs[off[:-1]]


def electron_veto(off: np.ndarray, pt: np.ndarray, eta: np.ndarray, dxy: np.ndarray, dz: np.ndarray, cut_based: np.ndarray) -> np.ndarray:
    """Per-event: True when no electron passes pT > 10, |η| < 2.4, |dxy| < 0.05, |dz| < 0.2, loose cut-based ID."""
    ele = (pt > ELE_PT_MIN) & (np.abs(eta) < ELE_ETA_MAX) & (np.abs(dxy) < ELE_DXY_MAX) & (np.abs(dz) < ELE_DZ_MAX)
    return per_event_count(off, ele & (cut_based >= ELE_LOOSE)) == 0


def trigger_match(
    mu_off: np.ndarray, mu_eta: np.ndarray, mu_phi: np.ndarray,
    obj_off: np.ndarray, obj_eta: np.ndarray, obj_phi: np.ndarray, obj_ok: np.ndarray,
) -> np.ndarray:
    """Per muon (flat): a trigger object of the same event with ``obj_ok`` (id 13, IsoMu bits) within ΔR < 0.3."""
    return kernels.match_any(mu_off, mu_eta, mu_phi, obj_off, obj_eta, obj_phi, obj_ok, TRIGGER_DR**2)


def transverse_mass(pt: np.ndarray, phi: np.ndarray, met_pt: np.ndarray, met_phi: np.ndarray) -> np.ndarray:
    """mT = sqrt(2 pT^μ pT^miss (1 − cos Δφ)) (GeV)."""
    return np.sqrt(np.maximum(2.0 * pt * met_pt * (1.0 - np.cos(phi - met_phi)), 0.0))


def add_to_met(met_pt: np.ndarray, met_phi: np.ndarray, pt: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pT^miss with a muon added to it (W-like: the muon plays the neutrino); returns (pT, φ)."""
    px = met_pt * np.cos(met_phi) + pt * np.cos(phi)
    py = met_pt * np.sin(met_phi) + pt * np.sin(phi)
    return np.hypot(px, py), np.arctan2(py, px)


def dimuon_mass(
    pt1: np.ndarray, eta1: np.ndarray, phi1: np.ndarray, pt2: np.ndarray, eta2: np.ndarray, phi2: np.ndarray
) -> np.ndarray:
    """Invariant mass of two muons (GeV), with the muon mass."""
    p1 = pt1 * np.cosh(eta1)
    p2 = pt2 * np.cosh(eta2)
    e1, e2 = np.sqrt(p1**2 + M_MU**2), np.sqrt(p2**2 + M_MU**2)
    dot = pt1 * pt2 * (np.cos(phi1 - phi2) + np.sinh(eta1) * np.sinh(eta2))
    return np.sqrt(np.maximum(2.0 * M_MU**2 + 2.0 * (e1 * e2 - dot), 0.0))
