"""The ``GenPart`` collection of simulated events, with CMS status flags and mother indices.

Per event, in this order (absent entries skipped): the boson (or the heavy-flavour / top-like
system), the muons before QED FSR (``status`` 23, for muons directly from the boson), then the
final-state muons (``status`` 1, mother: their pre-FSR copy, else the boson). Muons from τ decays
carry the τ-decay flags and the boson as mother (the τ itself is not stored); nonprompt muons carry
``isDirectHadronDecayProduct``. For ``qcd`` the system is written as a b quark (pdgId 5), for
``rare`` as a top quark (pdgId 6). Pre-FSR muons carry the pre-FSR pT and the direction of the
final muon (collinear FSR). Bits follow the NanoAOD ``GenPart_statusFlags`` documentation.
"""

from __future__ import annotations

import numpy as np

from wmass.constants import M_MU
from wmass.generate.events import TruthEvents

__all__ = ["FLAG", "build_genpart", "final_muon_index"]

#: NanoAOD GenPart_statusFlags bits.
FLAG = {
    "isPrompt": 1 << 0, "isTauDecayProduct": 1 << 2, "isPromptTauDecayProduct": 1 << 3,
    "isDirectTauDecayProduct": 1 << 4, "isDirectPromptTauDecayProduct": 1 << 5,
    "isDirectHadronDecayProduct": 1 << 6, "isHardProcess": 1 << 7, "fromHardProcess": 1 << 8,
    "isHardProcessTauDecayProduct": 1 << 9, "isDirectHardProcessTauDecayProduct": 1 << 10,
    "fromHardProcessBeforeFSR": 1 << 11, "isFirstCopy": 1 << 12, "isLastCopy": 1 << 13,
    "isLastCopyBeforeFSR": 1 << 14,
}


def _flags(*names: str) -> int:
    return sum(FLAG[name] for name in names)


_BOSON = _flags("isPrompt", "isHardProcess", "fromHardProcess", "isFirstCopy", "isLastCopy")
_PRE_FSR = _flags("isPrompt", "isHardProcess", "fromHardProcess", "fromHardProcessBeforeFSR", "isFirstCopy",
                  "isLastCopyBeforeFSR")
_FINAL = _flags("isPrompt", "fromHardProcess", "isLastCopy")
_TAU_MU = _flags("isTauDecayProduct", "isPromptTauDecayProduct", "isDirectTauDecayProduct",
                 "isDirectPromptTauDecayProduct", "isHardProcessTauDecayProduct",
                 "isDirectHardProcessTauDecayProduct", "fromHardProcess", "isFirstCopy", "isLastCopy")
_HADRON_MU = _flags("isDirectHadronDecayProduct", "isFirstCopy", "isLastCopy")
_HADRON_PRE = _flags("isDirectHadronDecayProduct", "isFirstCopy", "isLastCopyBeforeFSR")
_HADRON_FINAL = _flags("isDirectHadronDecayProduct", "isLastCopy")

#: Processes whose muons are direct daughters of the boson (a pre-FSR copy is stored).
DIRECT = ("wplus", "wminus", "zmumu", "jpsi")
N_SLOTS = 5  # boson, 2 pre-FSR muons, 2 final muons


def _boson_eta(pt: np.ndarray, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Pseudorapidity from (pT, y, m)."""
    pt = np.maximum(pt, 1e-3)
    pz = np.sqrt(m**2 + pt**2) * np.sinh(y)
    return np.arcsinh(pz / pt)


def _system(truth: TruthEvents, process: str) -> tuple[np.ndarray, int, int]:
    """pdgId, status and flags of the boson/system entry."""
    pdg = truth.v_pdgid.astype(np.int32)
    if process == "qcd":
        return np.where(pdg == 0, 5, pdg).astype(np.int32), 71, _flags("isFirstCopy", "isLastCopy")
    if process == "jpsi":
        return pdg, 2, _flags("isPrompt", "isFirstCopy", "isLastCopy")
    return pdg, 62, _BOSON


def _muon_flags(truth: TruthEvents, process: str) -> tuple[np.ndarray, np.ndarray]:
    """statusFlags of the pre-FSR and final muon slots, [n, 2] each."""
    prompt = truth.mu_prompt
    if process == "jpsi":
        return np.full(prompt.shape, _HADRON_PRE), np.full(prompt.shape, _HADRON_FINAL)
    final_prompt = _TAU_MU if process in ("wtaunu", "ztautau") else _FINAL
    return np.full(prompt.shape, _PRE_FSR), np.where(prompt, final_prompt, _HADRON_MU)


def _layout(truth: TruthEvents, process: str) -> tuple[np.ndarray, np.ndarray]:
    """Which of the N_SLOTS entries exist [n, 5], and their index within the event's GenPart."""
    valid = np.zeros((len(truth), N_SLOTS), bool)
    valid[:, 0] = True
    valid[:, 1:3] = truth.mu_valid & (process in DIRECT)
    valid[:, 3:5] = truth.mu_valid
    return valid, np.cumsum(valid, axis=1) - 1


def build_genpart(truth: TruthEvents, process: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Flat GenPart arrays (NanoAOD dtypes) and the per-event counts."""
    direct = process in DIRECT
    valid, index = _layout(truth, process)
    counts = valid.sum(1)
    total = int(counts.sum())
    pdg_v, status_v, flags_v = _system(truth, process)
    mu_pdg = -13 * truth.mu_charge.astype(np.int32)
    pre_flags, fin_flags = _muon_flags(truth, process)
    mother_final = np.where(valid[:, 1:3], index[:, 1:3], 0)
    v_eta = _boson_eta(truth.pt_v, truth.y_v, truth.m_v)
    pre_status = 23 if direct and process != "jpsi" else 2
    # per column: the boson value [n], then the values of slots 1-4 ([n, 2] pre-FSR, [n, 2] final)
    spec = {
        "pt": (np.float32, truth.pt_v, truth.mu_pt_prefsr, truth.mu_pt),
        "eta": (np.float32, v_eta, truth.mu_eta, truth.mu_eta),
        "phi": (np.float32, truth.phi_v, truth.mu_phi, truth.mu_phi),
        "mass": (np.float32, truth.m_v, M_MU, M_MU),
        "pdgId": (np.int32, pdg_v, mu_pdg, mu_pdg),
        "status": (np.int32, status_v, pre_status, 1),
        "genPartIdxMother": (np.int32, -1, 0, mother_final),
        "statusFlags": (np.int32, flags_v, pre_flags, fin_flags),
    }
    ev, slot = np.nonzero(valid)  # row-major: the GenPart order
    where = [(dest, ev[dest]) for dest in (np.flatnonzero(slot == s) for s in range(N_SLOTS))]
    out = {}
    for key, (dtype, v0, pre, fin) in spec.items():
        col = np.empty(total, dtype=dtype)
        col[where[0][0]] = v0[where[0][1]] if np.ndim(v0) else v0
        for s, (group, j) in enumerate(((pre, 0), (pre, 1), (fin, 0), (fin, 1)), start=1):
            dest, src = where[s]
            col[dest] = group[:, j][src] if np.ndim(group) == 2 else group
        out[key] = col
    return out, counts


def final_muon_index(truth: TruthEvents, process: str) -> np.ndarray:
    """GenPart index [n, 2] of the final-state muon of each truth slot (−1 where absent)."""
    _, index = _layout(truth, process)
    return np.where(truth.mu_valid, index[:, 3:5], -1)
