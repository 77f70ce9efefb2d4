"""The dilepton m_Z processor: m_μμ × η of the more forward muon.

Two-muon selection (dimuon.py) with both muons tight (26 < pT < 60 GeV, medium ID, isolated) and
at least one trigger matched. Systematics: the theory groups (weight arrays) on the same axes, and
the muon scale and resolution per η bin on an extra axis of the muons' η bin (``muEta``, see
:func:`two_muon_hist`). Weights: genWeight × the SFs of both muons for simulation, 1 for data.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import binning, common, dimuon, fill, muonscale
from wmass.analyses.base import AnalysisProcessor
from wmass.analyses.efficiency import scale_factors
from wmass.analyses.options import THEORY_GROUPS, Options

__all__ = ["DileptonProcessor", "PT_MAX"]

PT_MAX = 60.0


def _shifts(group: str, mu: common.Muon, opts: Options) -> tuple[np.ndarray, list[str]]:
    if group == "muon_scale":
        shifts = muonscale.scale_shifts(mu.pt, mu.gen_pt, mu.eta, mu.charge, opts.scale_sigma, opts.resolution_poly,
                                        opts.calibration_file)
        return shifts, [lb.split("@")[0] for lb in muonscale.SCALE_LABELS]
    return muonscale.resolution_shifts(mu.pt, mu.gen_pt, mu.eta, opts.resolution_rel_size, opts.resolution_poly), ["resolution"]


def two_muon_hist(group: str, t: common.Target, muons: list[common.Muon], opts: Options) -> hist.Hist:
    """Per-η muon variations with two muons per event: an extra axis ``muEta`` (η bin of a muon).

    Each event is filled in the η cell of each of its muons, with the summed shift of its muons in
    that cell (linear in the shifts, as the dw/dk weights), so that the prediction of nuisance
    (component, η bin b) is nominal − h[b, "nominal"] + h[b, component] (groups.variation).
    """
    eta_axis = binning.eta_axis("muEta")
    cells = [fill.axis_index(eta_axis, mu.eta) for mu in muons]
    (s0, labels), (s1, _) = _shifts(group, muons[0], opts), _shifts(group, muons[1], opts)
    same = cells[0] == cells[1]
    axes = (eta_axis, binning.syst_axis(group, [binning.NOMINAL, *labels]))
    h = fill.tensor_hist(t.axes, t.index, axes, t.weight, s0 + np.where(same[:, None], s1, 0.0), 1.0, t.scale,
                         extra_index=cells[0])
    return h + fill.tensor_hist(t.axes, t.index, axes, t.weight, s1, 1.0, t.scale, extra_index=np.where(same, -1, cells[1]))


class DileptonProcessor(AnalysisProcessor):
    """The dilepton processor (the selection and histograms are in the module docstring)."""

    analysis = "dilepton"
    need_met = False

    def process(self, events: ak.Array) -> dict[str, Any]:
        opts = self.options
        filename = str(events.metadata.get("filename", "<events>"))
        ev = self.read(events)
        pair = dimuon.select_pair(ev, PT_MAX)
        tight = (pair["tight"][0] > 0) & (pair["tight"][1] > 0)
        matched = (pair["matched"][0] > 0) | (pair["matched"][1] > 0)
        ok = pair["base"] & tight & matched
        eta0, eta1 = pair["eta"]
        eta_fwd = np.where(np.abs(eta0) >= np.abs(eta1), eta0, eta1)
        weight = ev.weight.copy()
        if opts.is_mc:
            for slot in (0, 1):
                pt, eta, q = (pair[k][slot][ok] for k in ("pt", "eta", "charge"))
                weight[ok] *= scale_factors(pt, eta, q, opts.efficiency_file)
        axes = binning.dilepton_axes()
        idx_all = np.where(ok, fill.flat_index(axes, [pair["mll"], eta_fwd]), -1)
        hists: dict[str, hist.Hist] = {"nominal": fill.nominal_hist(axes, idx_all, weight, opts.weight_scale)}
        theory_only = dataclasses.replace(opts, groups=opts.groups & frozenset(THEORY_GROUPS))
        none = np.zeros(int(ok.sum()))
        mu = common.Muon(none, none, none, none)
        hists.update(common.syst_hists(events, ok, axes, idx_all[ok], weight[ok], mu, theory_only, filename))
        target = common.Target(axes, idx_all[ok], weight[ok], opts.weight_scale)
        muons = [common.Muon(*(pair[k][s][ok] for k in ("pt", "eta", "charge", "gen_pt"))) for s in (0, 1)]
        for group in ("muon_scale", "muon_resolution"):
            if opts.on(group):
                hists[f"syst_{group}"] = two_muon_hist(group, target, muons, opts)
        return {"hists": hists, **common.chunk_totals(ev.weight, opts), "missing_inputs": set(ev.missing)}

