"""NanoAOD branch names and types (as CMS: float32 kinematics, int32 charge/pdgId, bool IDs, uint64
event...), built from the detector output and, for simulation only, the truth record.

Reco branches (data and simulation): run, luminosityBlock, event, Muon_*, Electron_*, TrigObj_*,
MET_pt/phi, PV_npvs/npvsGood/x/y/z, HLT_IsoMu24, HLT_IsoTkMu24, HLT_Dimuon0_Jpsi. Simulation adds Pileup_nTrueInt/nPU,
genWeight, GenPart_*, Muon/Electron_genPartIdx/genPartFlav, GenMET_pt/phi, Generator_x1/x2/id1/id2,
LHE_Vpt, the ``GenV_*`` truth set for reweighting in processors (mass, y, pt, phi, cosThetaCS, phiCS,
pdgId) and the per-event weight arrays of the generator under their own names (``n<name>`` counter).
Pseudo-data carry no generator information at all, as real data.

Differences from CMS NanoAOD: counters (nMuon...) are int32 (uproot writes them so; CMS uses
uint32); ``Muon_isStandalone`` muons without a track are kept (probes of the tracking efficiency).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.constants import M_MU
from wmass.detector.identification import ORIGIN_HF, ORIGIN_PROMPT, ORIGIN_TAU
from wmass.detector.simulate import RecoEvents
from wmass.nanoaod.genpart import build_genpart, final_muon_index
from wmass.truth import TruthEvents

__all__ = [
    "TREE", "WEIGHT_BRANCHES", "Branches", "Collection", "Jagged", "gen_branches", "merge_branches", "reco_branches",
    "weight_branch",
]

TREE = "Events"
#: TrigObj filterBits for muons (NanoAOD): 2 = Iso, 8 = 1mu, 16 = 2mu.
TRIG_ISO, TRIG_1MU, TRIG_2MU = 2, 8, 16
M_ELECTRON = 0.000511


@dataclass(frozen=True)
class Collection:
    """A NanoAOD collection: per-event ``counts`` and flat ``fields`` (written as n<Name>, <Name>_<field>)."""

    counts: np.ndarray
    fields: dict[str, np.ndarray]


@dataclass(frozen=True)
class Jagged:
    """A variable-length array branch with its own counter (written as n<name>, <name>)."""

    counts: np.ndarray
    values: np.ndarray


Branches = dict[str, "np.ndarray | Collection | Jagged"]
#: Branch names of the generator weight groups (wmass.generate.weights): CMS W-mass NanoAOD names
#: (MEParamWeight: mass points, MEParamWeightAltSet1: width, LHEPdfWeight: PDF eigenvectors) where
#: they exist. Columns are relative to genWeight; their labels are in the sidecar (weight_labels).
WEIGHT_BRANCHES = {
    "mass": "MEParamWeight", "width": "MEParamWeightAltSet1", "pdf_hessian": "LHEPdfWeight",
    "pdf_alt": "LHEPdfWeightAltSets", "ptv": "PtVWeight", "helicity": "HelicityWeight", "fsr": "QEDFSRWeight",
}
f4, i4 = np.float32, np.int32


def _muons(reco: RecoEvents) -> Collection:
    mu = reco.mu
    return Collection(mu["counts"], {
        "pt": mu["pt"].astype(f4), "eta": mu["eta"].astype(f4), "phi": mu["phi"].astype(f4),
        "mass": np.full(mu["pt"].shape, M_MU, f4), "charge": mu["charge"].astype(i4),
        "pdgId": (-13 * mu["charge"]).astype(i4), "looseId": mu["loose"], "mediumId": mu["medium"],
        "isGlobal": mu["is_global"], "isTracker": mu["is_tracker"], "isStandalone": mu["is_standalone"],
        "isPFcand": mu["is_tracker"], "pfRelIso04_all": mu["iso"].astype(f4), "dxy": mu["dxy"].astype(f4),
        "dxybs": mu["dxybs"].astype(f4), "dz": mu["dz"].astype(f4),
    })


def _electrons(reco: RecoEvents) -> Collection:
    el = reco.el
    return Collection(el["counts"], {
        "pt": el["pt"].astype(f4), "eta": el["eta"].astype(f4), "phi": el["phi"].astype(f4),
        "mass": np.full(el["pt"].shape, M_ELECTRON, f4), "charge": el["charge"], "pdgId": (-11 * el["charge"]).astype(i4),
        "cutBased": el["cut_based"], "dxy": el["dxy"].astype(f4), "dz": el["dz"].astype(f4),
    })


def _trigger_objects(reco: RecoEvents) -> Collection:
    """Online muons that fired IsoMu24 or IsoTkMu24 (filterBits Iso|1mu) or a J/ψ dimuon leg (2mu)."""
    mu = reco.mu
    bits = np.where(mu["fired"] | mu["fired_tk"], TRIG_ISO | TRIG_1MU, 0) | np.where(mu["jpsi_leg"], TRIG_2MU, 0)
    sel = bits > 0
    return Collection(np.bincount(mu["event_index"][sel], minlength=len(reco)), {
        "pt": mu["pt_online"][sel].astype(f4), "eta": mu["eta"][sel].astype(f4), "phi": mu["phi"][sel].astype(f4),
        "id": np.full(int(sel.sum()), 13, i4), "filterBits": bits[sel].astype(i4),
    })


def reco_branches(reco: RecoEvents, run: np.ndarray, lumi: np.ndarray, event: np.ndarray) -> Branches:
    """Branches common to data and simulation."""
    return {
        "run": run.astype(np.uint32), "luminosityBlock": lumi.astype(np.uint32), "event": event.astype(np.uint64),
        "Muon": _muons(reco), "Electron": _electrons(reco), "TrigObj": _trigger_objects(reco),
        "MET_pt": reco.met_pt.astype(f4), "MET_phi": reco.met_phi.astype(f4),
        "PV_npvs": reco.npvs.astype(i4), "PV_npvsGood": reco.npvs.astype(i4),
        "PV_x": reco.pv[:, 0].astype(f4), "PV_y": reco.pv[:, 1].astype(f4), "PV_z": reco.pv[:, 2].astype(f4),
        "HLT_IsoMu24": reco.hlt_isomu24, "HLT_IsoTkMu24": reco.hlt_isotkmu24, "HLT_Dimuon0_Jpsi": reco.hlt_jpsi,
    }


def _gen_flav(origin: np.ndarray, process: str) -> np.ndarray:
    """Muon_genPartFlav: 1 prompt, 15 from τ, 5 from b, 4 from c (J/ψ)."""
    prompt = 4 if process == "jpsi" else 1
    return np.select([origin == ORIGIN_PROMPT, origin == ORIGIN_TAU, origin == ORIGIN_HF], [prompt, 15, 5], 0)


def gen_branches(truth: TruthEvents, reco: RecoEvents, process: str) -> Branches:
    """Simulation-only branches: pile-up truth, generator record, matching, weights."""
    genpart, counts = build_genpart(truth, process)
    mu = reco.mu
    out: Branches = {
        "Pileup_nTrueInt": reco.n_true_int.astype(f4), "Pileup_nPU": reco.n_pu.astype(i4),
        "genWeight": truth.gen_weight.astype(f4),
        "GenPart": Collection(counts, genpart),
        "Muon": Collection(mu["counts"], {
            "genPartIdx": final_muon_index(truth, process)[mu["event_index"], mu["slot"]].astype(i4),
            "genPartFlav": _gen_flav(mu["origin"], process).astype(np.uint8)}),
        "Electron": Collection(reco.el["counts"], {
            "genPartIdx": np.full(reco.el["pt"].shape, -1, i4),
            "genPartFlav": np.where(reco.el["real"], 1, 0).astype(np.uint8)}),
        "GenMET_pt": np.hypot(truth.nu_px, truth.nu_py).astype(f4),
        "GenMET_phi": np.arctan2(truth.nu_py, truth.nu_px).astype(f4),
        "Generator_x1": truth.x1.astype(f4), "Generator_x2": truth.x2.astype(f4),
        "Generator_id1": truth.id1.astype(i4), "Generator_id2": truth.id2.astype(i4),
        "LHE_Vpt": truth.pt_v.astype(f4),
        "GenV_mass": truth.m_v.astype(f4), "GenV_y": truth.y_v.astype(f4), "GenV_pt": truth.pt_v.astype(f4),
        "GenV_phi": truth.phi_v.astype(f4), "GenV_cosThetaCS": truth.cos_theta_cs.astype(f4),
        "GenV_phiCS": truth.phi_cs.astype(f4), "GenV_pdgId": truth.v_pdgid.astype(i4),
    }
    for group, w in truth.weights.items():
        w = np.asarray(w, dtype=f4)
        out[weight_branch(group)] = w if w.ndim == 1 else Jagged(np.full(w.shape[0], w.shape[1]), w.reshape(-1))
    return out


def weight_branch(group: str) -> str:
    """NanoAOD branch of a generator weight group (CMS names where they exist, else <Group>Weight)."""
    return WEIGHT_BRANCHES.get(group, group[:1].upper() + group[1:] + "Weight")


def merge_branches(a: Branches, b: Branches) -> Branches:
    """Union of two branch sets; collections present in both (same counts) get the fields of both."""
    out = dict(a)
    for name, val in b.items():
        old = out.get(name)
        if isinstance(old, Collection) and isinstance(val, Collection):
            if not np.array_equal(old.counts, val.counts):
                raise ValueError(f"collection {name}: the two branch sets disagree on its counts")
            out[name] = Collection(old.counts, {**old.fields, **val.fields})
        elif old is not None:
            raise ValueError(f"branch {name} is defined twice")
        else:
            out[name] = val
    return out
