"""The dilepton m_Z processor: m_μμ × η of the more forward muon.

Two-muon selection (dimuon.py) with both muons tight (26 < pT < 60 GeV, medium ID, isolated) and
at least one trigger matched. Weights: genWeight × the SFs of both muons for simulation, 1 for data.
Systematics: the theory groups (weight arrays) on the same axes, and the per-muon groups of both
muons (m_μμ depends on both): efficiencies (eff_stat, eff_syst: the nuisances of mw, one per
component and η [× charge] cell of a muon) and the muon scale and resolution per η bin, on extra
axes of the muon's cell (``muEta`` [× ``muCharge``], see :func:`two_muon_hist`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import awkward as ak
import hist
import numpy as np

from wmass.analyses import common, dimuon, fill
from wmass.analyses.base import AnalysisProcessor
from wmass.analyses.efficiency import scale_factors
from wmass.analyses.options import THEORY_GROUPS, Options
from wmass.histograms import binning

__all__ = ["DileptonProcessor", "PT_MAX"]

PT_MAX = 60.0


#: Label cell axes of the per-muon groups → the dilepton's per-muon axes (no muon is on the base axes).
CELL_AXES = {"eta": "muEta", "charge": "muCharge"}


def _relabel(label: str) -> str:
    head, _, cells = label.partition("@")
    return f"{head}@{':'.join(CELL_AXES[a] for a in cells.split(':'))}"


def two_muon_hist(group: str, t: common.Target, muons: list[common.Muon], opts: Options) -> hist.Hist:
    """A per-muon group (efficiency, scale, resolution) with both muons: axes base × muEta [× muCharge] × group.

    Each event is filled once per muon, in the η [and charge] cell of that muon, with nominal w and
    w (1 + a_j) for the first muon, w (1 + b_j (1 + a_j s_j)) for the second (s_j = 1 when both
    muons lie in the cell of component j): the prediction of nuisance (j, cell) is nominal + Σ
    (entry − nominal) over the cell's slices (groups.variation), which is w (1 + a_j)(1 + b_j) for
    an event with both muons in the cell. ``muCharge`` is present when a component is split by
    charge (efficiencies); the components that are not act in the η cell of either charge.
    """
    a, labels = common.muon_shifts(group, muons[0], opts)
    b, _ = common.muon_shifts(group, muons[1], opts)
    b = b * (1.0 + a * common.same_cell(labels, muons[0], muons[1]))
    split = any(lb.endswith(":charge") for lb in labels)
    cell_axes = (binning.eta_axis("muEta"), *((binning.mu_charge_axis(),) if split else ()))
    cells = []
    for mu in muons:
        eta = fill.axis_index(cell_axes[0], mu.eta)
        cell = eta * 2 + (mu.charge > 0) if split else eta
        cells.append(np.where(eta < 0, -1, cell))
    axes = (*cell_axes, binning.syst_axis(group, [binning.NOMINAL, *map(_relabel, labels)]))
    return fill.tensor_hist(t.axes, np.concatenate([t.index, t.index]), axes, np.concatenate([t.weight, t.weight]),
                            np.concatenate([a, b]), 1.0, t.scale, extra_index=np.concatenate(cells))


class DileptonProcessor(AnalysisProcessor):
    """The dilepton processor (the selection and histograms are in the module docstring)."""

    analysis = "dilepton"
    need_met = False

    def process(self, events: ak.Array) -> dict[str, Any]:
        opts = self.options
        filename = str(events.metadata.get("filename", "<events>"))
        events, ev = self.read(events)
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
        mll = cast(np.ndarray, pair["mll"])  # one array per event (the muon columns are (slot 0, slot 1) pairs)
        idx_all = np.where(ok, fill.flat_index(axes, [mll, eta_fwd]), -1)
        hists: dict[str, hist.Hist] = {"nominal": fill.nominal_hist(axes, idx_all, weight, opts.weight_scale)}
        theory_only = dataclasses.replace(opts, groups=opts.groups & frozenset(THEORY_GROUPS))
        none = np.zeros(int(ok.sum()))
        mu = common.Muon(none, none, none, none)
        hists.update(common.syst_hists(events, ok, axes, idx_all[ok], weight[ok], mu, theory_only, filename))
        target = common.Target(axes, idx_all[ok], weight[ok], opts.weight_scale)
        muons = [common.Muon(*(pair[k][s][ok] for k in ("pt", "eta", "charge", "gen_pt"))) for s in (0, 1)]
        for group in common.PER_MUON_GROUPS:
            if opts.on(group):
                hists[f"syst_{group}"] = two_muon_hist(group, target, muons, opts)
        return common.chunk_output(hists, ev, opts)

