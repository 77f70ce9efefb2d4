"""The m_W analysis processor: one selected muon, η × pT × charge, nonprompt regions, systematics.

Selection (selection.py): exactly one veto muon, which passes 26 < pT < 56 GeV, |η| < 2.4, medium
ID and trigger matching; the event fires HLT_IsoMu24 ∥ HLT_IsoTkMu24 and has no veto electron.
The nominal histogram keeps isolation pass/fail × mT [0, 20, 40, ∞] as axes (the four regions of
the extended ABCD method); the systematic histograms are filled in the signal region (isolated,
mT > 40 GeV) only, on η × pT × charge. Weights: genWeight × efficiency SFs for simulation, 1 for data.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import common, fill, muonscale, selection, veto
from wmass.analyses.base import AnalysisProcessor
from wmass.analyses.efficiency import scale_factors
from wmass.analyses.inputs import MuonEvents
from wmass.analyses.options import GROUPS, Options
from wmass.errors import InputError
from wmass.histograms import binning

__all__ = ["MT_MIN", "MwProcessor", "PT_MAX"]

PT_MAX = 56.0
#: Lower mT edge of the signal region (the last bin of the nonprompt regions' mT axis).
MT_MIN = binning.MT_MIN


def select_single(ev: MuonEvents) -> dict[str, np.ndarray]:
    """Per-event quantities of the single-muon selection (the candidate is the only veto muon)."""
    events, idx = ev.veto_index(1)
    has = np.zeros(ev.n, dtype=bool)
    has[events] = True
    sel = idx[:, 0]

    def take(arr: np.ndarray, fill: float | bool) -> np.ndarray:
        out = np.full(ev.n, fill, dtype=np.result_type(arr, fill))
        out[events] = arr[sel]
        return out

    tight = selection.selected_muon_mask(ev.pt, ev.eta, ev.medium, ev.matched, np.inf)
    return {
        "pt": take(ev.pt, 0.0), "eta": take(ev.eta, 0.0), "phi": take(ev.phi, 0.0), "charge": take(ev.charge, 1.0),
        "iso": take(ev.iso, np.inf),
        "gen_pt": take(ev.gen_pt, np.nan) if ev.gen_pt is not None else np.full(ev.n, np.nan),
        "base": has & take(tight, False) & ev.trigger & ev.electron_veto,
    }


def _mt(sel: dict[str, np.ndarray], ev: MuonEvents, pt: np.ndarray) -> np.ndarray:
    return selection.transverse_mass(pt, sel["phi"], *ev.met())


class MwProcessor(AnalysisProcessor):
    """The m_W processor (the selection and histograms are in the module docstring)."""

    analysis = "mw"
    gen_groups = ("muon_scale", "muon_resolution", "muon_scale_refill")

    def process(self, events: ak.Array) -> dict[str, Any]:
        opts = self.options
        filename = str(events.metadata.get("filename", "<events>"))
        events, ev = self.read(events)
        sel = select_single(ev)
        window = (sel["pt"] > selection.SEL_PT_MIN) & (sel["pt"] < PT_MAX)
        base = sel["base"] & window
        weight = ev.weight.copy()
        if opts.is_mc:  # also outside the pT window: refilled shifted muons may enter it
            cand = sel["base"]
            weight[cand] *= scale_factors(sel["pt"][cand], sel["eta"][cand], sel["charge"][cand], opts.efficiency_file)
        mt = _mt(sel, ev, sel["pt"])
        axes = binning.mw_axes()
        nom_axes = (*axes, binning.iso_axis(), binning.mt_axis())
        coords = [sel["eta"], sel["pt"], sel["charge"], sel["iso"] < selection.ISO_MAX, mt]
        idx_all = np.where(base, fill.flat_index(nom_axes, coords), -1)
        hists: dict[str, hist.Hist] = {"nominal": fill.nominal_hist(nom_axes, idx_all, weight, opts.weight_scale)}
        if not any(opts.on(g) for g in GROUPS):
            return common.chunk_output(hists, ev, opts)
        signal = base & (sel["iso"] < selection.ISO_MAX) & (mt > MT_MIN)
        idx = fill.flat_index(axes, [sel["eta"][signal], sel["pt"][signal], sel["charge"][signal]])
        mu = common.Muon(sel["pt"][signal], sel["eta"][signal], sel["charge"][signal], sel["gen_pt"][signal])
        hists.update(common.syst_hists(events, signal, axes, idx, weight[signal], mu, opts, filename))
        if opts.on("eff_veto"):
            target = common.Target(axes, idx, weight[signal], opts.weight_scale)
            hists["syst_eff_veto"] = veto_hist(events, ev, signal, target, opts, filename)
        if opts.on("muon_scale_refill"):
            hists["syst_muon_scale_refill"] = refill_hist(sel, ev, weight, axes, opts)
        return common.chunk_output(hists, ev, opts)



def veto_hist(
    events: ak.Array, ev: MuonEvents, signal: np.ndarray, t: common.Target, opts: Options, filename: str
) -> hist.Hist:
    """Veto-efficiency components on (η, pT, q) × (η, q of the lost muon) × components (veto.py)."""
    if "GenPart" not in events.fields or "statusFlags" not in ak.fields(events.GenPart):
        raise InputError(f"{filename}: branch 'GenPart_statusFlags' is missing (lost muons of the 'eff_veto' group)")
    pt, eta, q = (x[signal] for x in veto.lost_muon(events, ev.veto, ev.off))
    extra_axes = veto.veto_axes()
    lost = np.isfinite(pt)
    cell = np.where(lost, fill.flat_index(extra_axes, [np.where(lost, eta, 0.0), np.where(lost, q, 1.0)]), -1)
    labels = [binning.NOMINAL, *veto.veto_labels(opts.veto_eigen)]
    shifts = veto.veto_shifts(np.where(lost, pt, 30.0), opts.veto_eigen, opts.veto_size)
    axes = (*extra_axes, binning.syst_axis("eff_veto", labels))
    return fill.tensor_hist(t.axes, t.index, axes, t.weight, shifts, 1.0, t.scale, extra_index=cell)


REFILL_LABELS = [binning.NOMINAL, "refillUp", "refillDown", "weightUp", "weightDown"]


def refill_hist(sel: dict[str, np.ndarray], ev: MuonEvents, weight: np.ndarray, axes: tuple, opts: Options) -> hist.Hist:
    """Validation of the dw/dk weights: a global curvature scale k → k (1 ± s) applied by refilling
    the shifted pT (selection window and mT re-evaluated) and, alongside, by the event weight."""
    s = opts.refill_scale
    indices, weights = [], []
    for pt in (sel["pt"], sel["pt"] / (1.0 + s), sel["pt"] / (1.0 - s)):
        ok = sel["base"] & (pt > selection.SEL_PT_MIN) & (pt < PT_MAX) & (sel["iso"] < selection.ISO_MAX)
        ok &= _mt(sel, ev, pt) > MT_MIN
        indices.append(np.where(ok, fill.flat_index(axes, [sel["eta"], pt, sel["charge"]]), -1))
        weights.append(weight)
    sigma = {"A": s, "e": 0.0, "M": 0.0, "closure": 0.0}
    b = sel["base"]
    dw = np.zeros(len(weight))
    dw[b] = muonscale.scale_shifts(sel["pt"][b], sel["gen_pt"][b], sel["eta"][b], sel["charge"][b], sigma,
                                   opts.resolution_poly, None)[:, 0]
    for sign in (1.0, -1.0):
        indices.append(indices[0])
        weights.append(weight * (1.0 + sign * dw))
    axis = binning.syst_axis("muon_scale_refill", REFILL_LABELS)
    return fill.columns_hist(axes, indices, weights, axis, opts.weight_scale)
