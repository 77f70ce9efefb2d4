"""Apply the whole detector model to a truth record: :func:`simulate` → :class:`RecoEvents`.

Order per truth muon: acceptance (|η| < 2.4, pT > min_pt) → tracking and reco (categories) → pT
(curvature bias and resolution, or standalone) → medium ID (idip) → isolation → impact parameters →
trigger. Per event: pile-up, reconstructed recoil, pT^miss, electrons, triggers. Efficiencies are
evaluated at the true kinematics. Simulation and pseudo-data differ only by the parameters passed
in (:class:`~wmass.detector.params.DetectorParams` of ``detector``, or of the hidden pseudo-data
truth merged onto it). Muons and electrons are flat arrays (NanoAOD order: by event, then
descending pT) with ``event_index`` and ``counts``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wmass.constants import M_MU
from wmass.detector.curvature import reconstruct_pt
from wmass.detector.efficiency import efficiency
from wmass.detector.identification import ORIGIN_HF, ORIGIN_PROMPT, ORIGIN_TAU, categories, impact_parameters, standalone_pt
from wmass.detector.isolation import relative_isolation
from wmass.detector.params import DetectorParams
from wmass.detector.pileup import draw_pileup, draw_primary_vertex
from wmass.detector.recoil import missing_pt, reco_recoil
from wmass.detector.trigger import iso_mu_fires, jpsi_dimuon_fires
from wmass.detector.vetoes import draw_electrons
from wmass.muon.binning import ETA_MAX
from wmass.truth import TruthEvents

__all__ = ["TAU_PROCESSES", "RecoEvents", "simulate"]

#: Processes whose prompt muons come from τ decays.
TAU_PROCESSES = ("wtaunu", "ztautau")


@dataclass
class RecoEvents:
    """Reconstructed objects of ``n`` events.

    ``mu`` and ``el``: flat arrays in NanoAOD order with ``event_index`` and per-event ``counts``;
    ``mu["slot"]`` is the truth slot of each muon, ``mu["origin"]`` its origin code.
    """

    mu: dict[str, np.ndarray]
    el: dict[str, np.ndarray]
    met_pt: np.ndarray
    met_phi: np.ndarray
    n_true_int: np.ndarray
    n_pu: np.ndarray
    npvs: np.ndarray
    pv: np.ndarray  #: float32 [n, 3] primary-vertex x, y, z (cm)
    hlt_isomu24: np.ndarray
    hlt_isotkmu24: np.ndarray
    hlt_jpsi: np.ndarray

    def __len__(self) -> int:
        return int(self.met_pt.shape[0])


def _accepted(truth: TruthEvents, p: DetectorParams, process: str) -> dict[str, np.ndarray]:
    """Flat arrays of the truth muons inside the acceptance, with event index, slot and origin."""
    ok = truth.mu_valid & (np.abs(truth.mu_eta) < ETA_MAX) & (truth.mu_pt > p.min_pt)
    ev, slot = np.nonzero(ok)
    prompt_code = ORIGIN_TAU if process in TAU_PROCESSES else ORIGIN_PROMPT
    return {
        "event_index": ev, "slot": slot, "pt": truth.mu_pt[ok], "eta": truth.mu_eta[ok],
        "phi": truth.mu_phi[ok], "charge": truth.mu_charge[ok].astype(np.int32),
        "cone": truth.mu_cone_had_pt[ok], "origin": np.where(truth.mu_prompt[ok], prompt_code, ORIGIN_HF),
    }


def _reconstruct_muons(t: dict[str, np.ndarray], p: DetectorParams, n_pu: np.ndarray,
                       rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Reconstructed flat muon arrays from accepted truth muons (lost muons removed)."""
    pt, eta, q = t["pt"], t["eta"], t["charge"]
    m: int = pt.shape[0]
    eff = p.efficiency
    cat = categories(rng.random(m) < efficiency(pt, eta, q, eff["tracking"]),
                     rng.random(m) < efficiency(pt, eta, q, eff["reco"]))
    keep = cat["present"]
    t = {key: val[keep] for key, val in t.items()}
    cat = {key: val[keep] for key, val in cat.items()}
    pt, eta, q = t["pt"], t["eta"], t["charge"]
    m = pt.shape[0]
    pt_trk = reconstruct_pt(pt, eta, q, p.curvature, p.resolution, rng.standard_normal(m))
    pt_reco = np.where(cat["is_tracker"], pt_trk, standalone_pt(pt, p.standalone_resolution, rng.standard_normal(m)))
    ang = p.angular_resolution
    mu = {**cat, "event_index": t["event_index"], "slot": t["slot"], "origin": t["origin"], "charge": q,
          "pt": pt_reco, "eta": eta + ang * rng.standard_normal(m),
          "phi": np.remainder(t["phi"] + ang * rng.standard_normal(m) + np.pi, 2 * np.pi) - np.pi,
          "loose": cat["is_tracker"],
          "medium": cat["is_global"] & (rng.random(m) < efficiency(pt, eta, q, eff["idip"]))}
    overlap = rng.random(m) >= efficiency(pt, eta, q, eff["iso"])
    mu["iso"] = relative_isolation(pt_reco, t["cone"], n_pu[t["event_index"]], overlap, p.isolation, rng)
    mu["dxybs"], mu["dxy"], mu["dz"] = impact_parameters(pt_reco, t["origin"], p.impact_parameter, rng)
    trg = p.trigger
    mu["pt_online"] = pt_reco * (1.0 + trg.online_resolution * rng.standard_normal(m))
    mu["trigger_plateau"] = rng.random(m) < efficiency(pt, eta, q, eff["trigger"])
    mu["fired"] = iso_mu_fires(mu["pt_online"], mu["iso"], cat["is_global"], mu["trigger_plateau"],
                               trg.threshold, trg.iso_max)
    mu["fired_tk"] = iso_mu_fires(mu["pt_online"], mu["iso"], cat["is_tracker"], mu["trigger_plateau"],
                                  trg.threshold, trg.iso_max)
    return mu


def _sort_by_pt(mu: dict[str, np.ndarray], n_events: int) -> dict[str, np.ndarray]:
    """NanoAOD order: by event, then descending pT (at most two muons per event: swap pairs)."""
    ev, pt = mu["event_index"], mu["pt"]
    pos = np.nonzero((ev[1:] == ev[:-1]) & (pt[1:] > pt[:-1]))[0]
    perm = np.arange(ev.shape[0])
    perm[pos], perm[pos + 1] = pos + 1, pos
    out = {key: val[perm] for key, val in mu.items()}
    out["counts"] = np.bincount(ev, minlength=n_events)
    return out


def simulate(truth: TruthEvents, p: DetectorParams, process: str, rng: np.random.Generator) -> RecoEvents:
    """Reconstruct ``truth`` of ``process`` with the detector parameters ``p`` (built once per block by
    :meth:`DetectorParams.from_config <wmass.detector.params.DetectorParams.from_config>`)."""
    n = len(truth)
    pu, trg = p.pileup, p.trigger
    n_true, n_pu, npvs = draw_pileup(n, pu.mean, pu.spread, pu.vertex_eff, rng)
    mu = _sort_by_pt(_reconstruct_muons(_accepted(truth, p, process), p, n_pu, rng), n)
    ux, uy = reco_recoil(truth.recoil_px, truth.recoil_py, n_pu, p.recoil, rng.standard_normal((n, 2)))
    pf, ev = mu["is_tracker"], mu["event_index"]
    vis_px = np.bincount(ev[pf], weights=(mu["pt"] * np.cos(mu["phi"]))[pf], minlength=n)
    vis_py = np.bincount(ev[pf], weights=(mu["pt"] * np.sin(mu["phi"]))[pf], minlength=n)
    met, met_phi = missing_pt(vis_px, vis_py, ux, uy)
    el = draw_electrons(n_pu, np.hypot(truth.recoil_px, truth.recoil_py),
                        p.electrons.real_prob if process == "rare" else 0.0, p.electrons, rng)
    hlt_jpsi = jpsi_dimuon_fires(ev, mu["pt_online"], mu["eta"], mu["phi"], mu["charge"], mu["is_global"],
                                 mu["trigger_plateau"], trg.jpsi_threshold, trg.jpsi_window, M_MU, n)
    mu["jpsi_leg"] = hlt_jpsi[ev] & mu["is_global"] & mu["trigger_plateau"] & (mu["pt_online"] > trg.jpsi_threshold)
    pv = draw_primary_vertex(n, p.beamspot, rng)  # drawn last: the other quantities keep their streams
    return RecoEvents(mu=mu, el=el, met_pt=met, met_phi=met_phi, n_true_int=n_true, n_pu=n_pu, npvs=npvs, pv=pv,
                      hlt_isomu24=np.bincount(ev[mu["fired"]], minlength=n) > 0,
                      hlt_isotkmu24=np.bincount(ev[mu["fired_tk"]], minlength=n) > 0, hlt_jpsi=hlt_jpsi)
