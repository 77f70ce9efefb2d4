"""Veto-efficiency variations of the mw analysis (the seeds' "Muon eff. veto" nuisances).

Z → μμ (and other two-muon) events enter the single-muon selection when the second prompt muon
is lost, i.e. fails the veto selection. Its loss probability 1 − ε_veto(pT, η, q) is measured with
statistical eigen-components j in each (η, q) cell of the *lost* muon; component j changes the
event weight by the relative amount size · P_j(x), x = 2 (pT − 15)/(60 − 15) − 1 clipped to
[−1, 1] (Legendre shapes, as in efficiency.py; a correctionlib file replaces them when the
efficiency stage provides ``veto_stat``). Events are placed on two extra axes, the η bin and
charge of the lost muon (``vetoEta``, ``vetoCharge``): one nuisance per (η bin, charge, component),
touching only the events with a lost muon in that cell. The lost muon is a prompt generator muon
(status 1, isPrompt or isDirectPromptTauDecayProduct) with pT > 15 GeV and |η| < 2.4 that no
veto muon is matched to; with several, the leading one.
"""

from __future__ import annotations

import awkward as ak
import hist
import numpy as np

from wmass.histograms import binning
from wmass.muon.binning import ETA_MAX
from wmass.muon.efficiency import legendre, unit_pt

__all__ = ["PROMPT_FLAGS", "lost_muon", "veto_axes", "veto_labels", "veto_shifts"]

#: GenPart_statusFlags bits: isPrompt (0), isDirectPromptTauDecayProduct (5).
PROMPT_FLAGS = (1 << 0) | (1 << 5)
PT_MIN, PT_MAX = 15.0, 60.0


def veto_axes() -> tuple[binning.HistAxis, ...]:
    """The lost muon's η bin (48) and charge: the cells the veto components act in."""
    return (binning.eta_axis("vetoEta"), hist.axis.Regular(2, -2.0, 2.0, underflow=False, overflow=False, name="vetoCharge"))


def veto_labels(n_eigen: int) -> list[str]:
    """Labels of the veto components (without "nominal")."""
    return [f"veto_eig{j}" for j in range(n_eigen)]


def lost_muon(events: ak.Array, veto: np.ndarray, mu_off: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event: (pT, η, charge) of the leading lost prompt generator muon, NaN where there is none."""
    gen = events.GenPart
    counts = ak.to_numpy(ak.num(gen["pt"])).astype(np.int64)
    off = np.concatenate([[0], np.cumsum(counts)])
    pt = ak.to_numpy(ak.flatten(gen["pt"])).astype(np.float64)
    eta = ak.to_numpy(ak.flatten(gen["eta"])).astype(np.float64)
    pdg = ak.to_numpy(ak.flatten(gen["pdgId"])).astype(np.int64)
    cand = (np.abs(pdg) == 13) & (ak.to_numpy(ak.flatten(gen["status"])) == 1)
    cand &= (ak.to_numpy(ak.flatten(gen["statusFlags"])).astype(np.int64) & PROMPT_FLAGS) > 0
    cand &= (pt > PT_MIN) & (np.abs(eta) < ETA_MAX)
    idx = ak.to_numpy(ak.flatten(events.Muon["genPartIdx"])).astype(np.int64)
    owner = np.repeat(np.arange(len(counts)), np.diff(mu_off))
    hit = veto & (idx >= 0) & (idx < counts[owner])
    cand[off[owner[hit]] + idx[hit]] = False  # found by a veto muon: not lost
    n = len(counts)
    gen_owner = np.repeat(np.arange(n), counts)
    best = np.full(n, -1, dtype=np.int64)
    order = np.flatnonzero(cand)[np.argsort(pt[cand], kind="stable")]
    best[gen_owner[order]] = order  # the last write per event is the leading lost muon
    has = best >= 0
    b = np.where(has, best, 0)
    nan = np.full(n, np.nan)
    return (np.where(has, pt[b] if len(pt) else nan, np.nan), np.where(has, eta[b] if len(pt) else nan, np.nan),
            np.where(has, -np.sign(pdg[b]) if len(pt) else nan, np.nan))


def veto_shifts(pt: np.ndarray, n_eigen: int, size: float) -> np.ndarray:
    """[n, n_eigen] relative weight shifts of the veto components for lost muons of ``pt``."""
    x = unit_pt(pt, PT_MIN, PT_MAX)
    return size * legendre(x, n_eigen)
