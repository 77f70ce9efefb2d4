"""The W-like m_Z processor: Z → μμ events analysed as W → μν.

Two-muon selection (dimuon.py); in even events the muon of charge ``wlike_even_charge`` is kept,
in odd events the other one (so each Z event enters once, with either charge); the kept muon must
be tight (26 < pT < 60 GeV) and trigger matched, the other one tight within 26 < pT (no upper cut:
it plays the neutrino) and is added to pT^miss; mT(kept μ, pT^miss + other μ) > 45 GeV. Histograms
on η 48 × pT 34 [26, 60] × charge; systematics as in mw for the kept muon (the efficiency and
scale variations of the other muon are not propagated: see the module's report).
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import binning, common, dimuon, fill, selection
from wmass.analyses.base import AnalysisProcessor
from wmass.analyses.efficiency import scale_factors

__all__ = ["MT_MIN", "PT_MAX", "WlikeProcessor", "kept_slot"]

PT_MAX = 60.0
MT_MIN = 45.0


def kept_slot(event: np.ndarray, charge0: np.ndarray, even_charge: int) -> np.ndarray:
    """0 or 1: the slot of the kept muon (charge ``even_charge`` in even events, the opposite in odd)."""
    wanted = np.where(event % 2 == 0, even_charge, -even_charge)
    return np.where(charge0 == wanted, 0, 1)


class WlikeProcessor(AnalysisProcessor):
    """The W-like processor (the selection and histograms are in the module docstring)."""

    analysis = "wlike"

    def process(self, events: ak.Array) -> dict[str, Any]:
        opts = self.options
        filename = str(events.metadata.get("filename", "<events>"))
        ev = self.read(events)
        pair = dimuon.select_pair(ev, np.inf)
        k = kept_slot(ev.event, pair["charge"][0], opts.wlike_even_charge)
        take = lambda name: np.where(k == 0, pair[name][0], pair[name][1])  # noqa: E731
        other = lambda name: np.where(k == 0, pair[name][1], pair[name][0])  # noqa: E731
        pt, eta, phi, q = take("pt"), take("eta"), take("phi"), take("charge")
        met_pt, met_phi = selection.add_to_met(ev.met_pt, ev.met_phi, other("pt"), other("phi"))
        mt = selection.transverse_mass(pt, phi, met_pt, met_phi)
        ok = pair["base"] & (take("tight") > 0) & (take("matched") > 0) & (other("tight") > 0) & (pt < PT_MAX)
        ok &= mt > MT_MIN
        weight = ev.weight.copy()
        if opts.is_mc:
            weight[ok] *= scale_factors(pt[ok], eta[ok], q[ok], opts.efficiency_file)
            weight[ok] *= scale_factors(other("pt")[ok], other("eta")[ok], other("charge")[ok], opts.efficiency_file)
        axes = binning.wlike_axes()
        idx_all = np.where(ok, fill.flat_index(axes, [eta, pt, q]), -1)
        hists: dict[str, hist.Hist] = {"nominal": fill.nominal_hist(axes, idx_all, weight, opts.weight_scale)}
        mu = common.Muon(pt[ok], eta[ok], q[ok], take("gen_pt")[ok])
        hists.update(common.syst_hists(events, ok, axes, idx_all[ok], weight[ok], mu, opts, filename))
        return {"hists": hists, **common.chunk_totals(ev.weight, opts), "missing_inputs": set(ev.missing)}

