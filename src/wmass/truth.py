"""The truth record of one chunk: the interface between the generator and the detector model.

Lepton quantities use fixed two-slot arrays of shape [n, 2]; an absent slot has ``mu_valid`` False
(its kinematics are then 0). W → μν fills slot 0; Z/γ* → μμ and J/ψ → μμ fill both (slot 0 the
μ⁻, slot 1 the μ⁺); τ decays fill the muons from τ → μνν; QCD fills the nonprompt muon(s).
All momenta in GeV; angles in radians.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["N_LEP", "TruthEvents"]

N_LEP = 2


@dataclass
class TruthEvents:
    """Generator-level record of ``n`` events (see the module docstring for the lepton slots)."""

    event: np.ndarray  #: uint64 [n] event number, unique within the sample
    # --- the boson (or, for qcd, the heavy-flavour system) ----------------------------------
    v_pdgid: np.ndarray  #: int32 [n]: 24, -24, 23, 443; 0 for nonprompt QCD, 6 for rare (top-like)
    m_v: np.ndarray  #: float64 [n] boson mass (the Breit-Wigner value)
    y_v: np.ndarray  #: float64 [n] boson rapidity
    pt_v: np.ndarray  #: float64 [n] boson transverse momentum
    phi_v: np.ndarray  #: float64 [n] boson azimuth
    cos_theta_cs: np.ndarray  #: float64 [n] Collins-Soper cosθ* of the lepton (ℓ⁻ for Z, charged ℓ for W)
    phi_cs: np.ndarray  #: float64 [n] Collins-Soper φ*
    x1: np.ndarray  #: float64 [n] momentum fraction of the parton from beam 1
    x2: np.ndarray  #: float64 [n] momentum fraction of the parton from beam 2
    id1: np.ndarray  #: int32 [n] PDG id of the parton from beam 1
    id2: np.ndarray  #: int32 [n] PDG id of the parton from beam 2
    # --- muons reaching the detector (after QED FSR), two slots ---------------------------------
    mu_valid: np.ndarray  #: bool [n, 2]
    mu_pt: np.ndarray  #: float64 [n, 2]
    mu_eta: np.ndarray  #: float64 [n, 2]
    mu_phi: np.ndarray  #: float64 [n, 2]
    mu_charge: np.ndarray  #: int8 [n, 2]
    mu_prompt: np.ndarray  #: bool [n, 2]: from the boson (directly or via τ), not from hadron decays
    mu_pt_prefsr: np.ndarray  #: float64 [n, 2] "bare" pT before QED FSR (equal to mu_pt when none)
    mu_cone_had_pt: np.ndarray  #: float64 [n, 2] true hadronic pT in ΔR < 0.4 (no pile-up): 0 for isolated V decays
    # --- the rest of the event at truth level ---------------------------------------------------
    nu_px: np.ndarray  #: float64 [n] sum of neutrino px (the genuine missing momentum)
    nu_py: np.ndarray  #: float64 [n]
    recoil_px: np.ndarray  #: float64 [n] true hadronic recoil (= −pT of the boson system at LO+ISR)
    recoil_py: np.ndarray  #: float64 [n]
    gen_weight: np.ndarray  #: float64 [n] nominal event weight (cross section / events, may be signed)
    #: LHE-style per-event weight arrays, relative to gen_weight: name → [n] or [n, k] float arrays.
    #: Their meaning (axis labels) is in ``weight_labels``.
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    weight_labels: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.event.shape[0])
