"""The W-like m_Z processor: Z → μμ events analysed as W → μν.

Two-muon selection (dimuon.py); in even events the muon of charge ``wlike_even_charge`` is kept,
in odd events the other one (so each Z event enters once, with either charge); the kept muon must
be tight (26 < pT < 60 GeV) and trigger matched, the other one tight within 26 < pT (no upper cut:
it plays the neutrino) and is added to pT^miss; mT(kept μ, pT^miss + other μ) > 45 GeV. Histograms
on η 48 × pT 34 [26, 60] × charge of the kept muon. Weight: genWeight × the SFs of both muons.

Systematics: the theory groups as in mw; the per-muon groups (eff_stat, eff_syst, muon_scale,
muon_resolution) for *both* muons, with the nuisances of mw (one per component and η [× charge]
cell of a muon), on an extra axis ``otherEta`` (common.other_muon_hist): the kept muon acts
diagonally in its base cell, the other muon (charge −q) in the cell of its own η bin, and an
event with both muons in a component's cell gets the product of the two ratios.

Why event weights are right for the other muon, although it enters the observables only through
the selection (60 < m_μμ < 120 GeV, its pT > 26 GeV, the veto) and pT^miss/mT:

* efficiencies: its SFs already multiply the nominal weight; their variations are weight
  variations, exact for any observable.
* scale and resolution: the dw/dk weight is the ratio p_var(k | k_g)/p_nom(k | k_g) of the
  Gaussian curvature response of that muon. Reweighting every selected event by the density
  ratio of its reconstructed configuration is importance sampling: Σ w · r · f(reco) estimates
  the varied expectation of any f (a bin of the kept muon × the selection), migrations across the
  mT, m_μμ and pT cuts included (events just inside a cut get r ≠ 1, so the yield changes as the
  density at the cut edge does), without the statistical noise of refilling events with a tiny
  (~10⁻⁵ relative) shift. The detector response of the muon is independent of the rest of the
  event given k_g, as in the detector simulation, where pT^miss = −(Σ reco muons + recoil): the
  density ratio of the whole event is the muon's ratio, and the consistent propagation to pT^miss
  (the other muon's reconstructed pT cancels in pT^miss + p_T(other)) is what the weight encodes,
  whereas a refill that shifted only p_T(other) would also move pT^miss_W-like. The approximation
  is the linearised ratio with the pull clipped at ±5 (muonscale.py), as for the kept muon.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import common, dimuon, fill, selection
from wmass.analyses.base import AnalysisProcessor
from wmass.analyses.efficiency import scale_factors
from wmass.histograms import binning

__all__ = ["MT_MIN", "PT_MAX", "WlikeFlippedProcessor", "WlikeProcessor", "kept_slot"]

PT_MAX = 60.0
MT_MIN = 45.0


def kept_slot(event: np.ndarray, charge0: np.ndarray, even_charge: int) -> np.ndarray:
    """0 or 1: the slot of the kept muon (charge ``even_charge`` in even events, the opposite in odd)."""
    wanted = np.where(event % 2 == 0, even_charge, -even_charge)
    return np.where(charge0 == wanted, 0, 1)


class WlikeProcessor(AnalysisProcessor):
    """The W-like processor (the selection and histograms are in the module docstring)."""

    analysis = "wlike"
    #: +1: even events keep the charge ``wlike_even_charge``; −1: the flipped split.
    split_sign = 1

    def process(self, events: ak.Array) -> dict[str, Any]:
        opts = self.options
        filename = str(events.metadata.get("filename", "<events>"))
        events, ev = self.read(events)
        pair = dimuon.select_pair(ev, np.inf)
        k = kept_slot(ev.event, pair["charge"][0], self.split_sign * opts.wlike_even_charge)
        take = lambda name: np.where(k == 0, pair[name][0], pair[name][1])  # noqa: E731
        other = lambda name: np.where(k == 0, pair[name][1], pair[name][0])  # noqa: E731
        pt, eta, phi, q = take("pt"), take("eta"), take("phi"), take("charge")
        met_pt, met_phi = selection.add_to_met(*ev.met(), other("pt"), other("phi"))
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
        nu = common.Muon(*(other(name)[ok] for name in ("pt", "eta", "charge", "gen_pt")))
        hists.update(common.syst_hists(events, ok, axes, idx_all[ok], weight[ok], mu, opts, filename, other=nu))
        return common.chunk_output(hists, ev, opts)



class WlikeFlippedProcessor(WlikeProcessor):
    """The W-like processor with the charge split flipped: each Z event enters with its other muon."""

    analysis = "wlike_flipped"
    split_sign = -1
