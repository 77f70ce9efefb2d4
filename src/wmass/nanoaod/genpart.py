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

import numba
import numpy as np

from wmass.constants import M_MU
from wmass.truth import TruthEvents

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


def _muon_flags(process: str) -> tuple[int, int, int]:
    """statusFlags of the pre-FSR muons, of prompt final muons and of the other (nonprompt) final muons."""
    if process == "jpsi":
        return _HADRON_PRE, _HADRON_FINAL, _HADRON_FINAL
    return _PRE_FSR, _TAU_MU if process in ("wtaunu", "ztautau") else _FINAL, _HADRON_MU


def _layout(truth: TruthEvents, process: str) -> np.ndarray:
    """Which of the N_SLOTS entries exist [n, 5] (boson, pre-FSR muons, final muons)."""
    valid = np.empty((len(truth), N_SLOTS), bool)
    valid[:, 0] = True
    valid[:, 1:3] = truth.mu_valid & (process in DIRECT)
    valid[:, 3:5] = truth.mu_valid
    return valid


def build_genpart(truth: TruthEvents, process: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Flat GenPart arrays (NanoAOD dtypes) and the per-event counts."""
    direct = process in DIRECT
    valid = _layout(truth, process)
    pdg_v, status_v, flags_v = _system(truth, process)
    pre_flags, prompt_flags, other_flags = _muon_flags(process)
    pre_status = 23 if direct and process != "jpsi" else 2
    f64 = np.float64
    sys_pt, sys_eta, sys_phi, sys_m = (np.ascontiguousarray(v, dtype=f64) for v in (
        truth.pt_v, _boson_eta(truth.pt_v, truth.y_v, truth.m_v), truth.phi_v, truth.m_v))
    mu_pt_pre, mu_pt, mu_eta, mu_phi = (np.ascontiguousarray(v, dtype=f64) for v in (
        truth.mu_pt_prefsr, truth.mu_pt, truth.mu_eta, truth.mu_phi))
    cols = _fill_genpart(
        valid, sys_pt, sys_eta, sys_phi, sys_m, np.ascontiguousarray(pdg_v, dtype=np.int32), status_v, flags_v,
        mu_pt_pre, mu_pt, mu_eta, mu_phi,
        np.ascontiguousarray(truth.mu_charge, dtype=np.int32), np.ascontiguousarray(truth.mu_prompt, dtype=np.bool_),
        pre_status, pre_flags, prompt_flags, other_flags, M_MU)
    names = ("pt", "eta", "phi", "mass", "pdgId", "status", "genPartIdxMother", "statusFlags")
    return dict(zip(names, cols)), valid.sum(axis=1)


@numba.njit(cache=True, nogil=True)
def _fill_genpart(valid, pt_v, eta_v, phi_v, m_v, pdg_v, status_v, flags_v, pt_pre, pt_fin, eta, phi, charge,
                  prompt, pre_status, pre_flags, prompt_flags, other_flags, m_mu):
    """The GenPart columns (pt, eta, phi, mass, pdgId, status, genPartIdxMother, statusFlags), event by
    event in the module docstring's order: the system, the pre-FSR muons (mother: the system), the
    final muons (mother: their pre-FSR copy, else the system)."""
    n = valid.shape[0]
    total = 0
    for i in range(n):
        for s in range(valid.shape[1]):
            total += valid[i, s]
    f_pt, f_eta = np.empty(total, np.float32), np.empty(total, np.float32)
    f_phi, f_mass = np.empty(total, np.float32), np.empty(total, np.float32)
    i_pdg, i_status = np.empty(total, np.int32), np.empty(total, np.int32)
    i_mother, i_flags = np.empty(total, np.int32), np.empty(total, np.int32)
    k = 0
    for i in range(n):
        f_pt[k], f_eta[k], f_phi[k], f_mass[k] = pt_v[i], eta_v[i], phi_v[i], m_v[i]
        i_pdg[k], i_status[k], i_mother[k], i_flags[k] = pdg_v[i], status_v, -1, flags_v
        k += 1
        pre0, pre1 = 0, 0  # index within the event of each slot's pre-FSR muon (0: none, the system)
        for s in range(2):
            if valid[i, 1 + s]:
                f_pt[k], f_eta[k], f_phi[k], f_mass[k] = pt_pre[i, s], eta[i, s], phi[i, s], m_mu
                i_pdg[k], i_status[k], i_mother[k], i_flags[k] = -13 * charge[i, s], pre_status, 0, pre_flags
                if s == 0:
                    pre0 = 1
                else:
                    pre1 = 1 + pre0
                k += 1
        for s in range(2):
            if valid[i, 3 + s]:
                f_pt[k], f_eta[k], f_phi[k], f_mass[k] = pt_fin[i, s], eta[i, s], phi[i, s], m_mu
                i_pdg[k], i_status[k] = -13 * charge[i, s], 1
                i_mother[k] = pre0 if s == 0 else pre1
                i_flags[k] = prompt_flags if prompt[i, s] else other_flags
                k += 1
    return f_pt, f_eta, f_phi, f_mass, i_pdg, i_status, i_mother, i_flags


def final_muon_index(truth: TruthEvents, process: str) -> np.ndarray:
    """GenPart index [n, 2] of the final-state muon of each truth slot (−1 where absent)."""
    valid = _layout(truth, process)
    first = 1 + valid[:, 1].astype(np.int64) + valid[:, 2]  # after the system and the pre-FSR copies
    index = np.stack([first, first + valid[:, 3]], axis=1)
    return np.where(truth.mu_valid, index, -1)
