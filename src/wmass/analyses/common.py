"""Shared pieces of the processors: the selected muon, the systematic ("tensor") histograms, the output.

Output of every processor (a dict that coffea accumulates with ``+``)::

    {"hists": {name: hist.Hist}, "n_events": int, "sum_w": float, "sum_w2": float,
     "missing_inputs": set[str]}

``hists`` holds ``nominal`` (Weight storage) and one ``syst_<group>`` per switched-on group
(Double storage; base axes × the group's axis, whose entry 0 is "nominal"), see groups.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import efficiency, fill, muonscale, theory
from wmass.analyses.binning import NOMINAL, syst_axis
from wmass.analyses.options import THEORY_GROUPS, Options

__all__ = ["Muon", "Target", "chunk_totals", "syst_hists"]


@dataclass(frozen=True)
class Muon:
    """One muon per selected event (plain float64 arrays of the selected events)."""

    pt: np.ndarray
    eta: np.ndarray
    charge: np.ndarray
    gen_pt: np.ndarray


def chunk_totals(weight: np.ndarray, opts: Options) -> dict[str, Any]:
    """Event count and (exactly summable) sums of weights of the processed chunk."""
    w = fill.quantise(weight, opts.weight_scale)
    return {
        "n_events": int(len(weight)),
        "sum_w": float(w.sum()),
        "sum_w2": float(fill.quantise(w * w, opts.weight_scale**2).sum()),
    }


@dataclass(frozen=True)
class Target:
    """Where the systematic histograms go: base axes, flat base index and weight of the selected events."""

    axes: tuple[hist.axis.AxesMixin, ...]
    index: np.ndarray
    weight: np.ndarray
    scale: float


def _dense(name: str, t: Target, shifts: np.ndarray, labels: list[str], relative: bool) -> hist.Hist:
    """Base axes × group axis; columns: nominal, then weight·(1 + shift) (relative) or weight·factor."""
    axis = syst_axis(name, [NOMINAL, *labels])
    return fill.tensor_hist(t.axes, t.index, (axis,), t.weight, shifts, 1.0 if relative else 0.0, t.scale)


def _theory(group: str, events: ak.Array, sel: np.ndarray, t: Target, opts: Options, filename: str) -> hist.Hist:
    """A theory group from its weight array; ``angular`` on an extra axis of the event's pT^V bin."""
    branch = opts.weight_branches[group]
    arr = theory.weight_array(events, branch, group, filename)[sel]
    labels = theory.labels(group, arr.shape[1], opts.weight_labels.get(branch))
    if group != "angular":
        return _dense(group, t, arr, labels, relative=False)
    ptv = theory.genv_pt(events, filename)[sel]
    edges = opts.angular_ptv_edges
    ptv_axis = hist.axis.Integer(0, len(edges) - 1, underflow=False, overflow=False, name="ptVBin", label=r"$p_T^V$ bin")
    axes = (ptv_axis, syst_axis(group, [NOMINAL, *labels]))
    return fill.tensor_hist(t.axes, t.index, axes, t.weight, arr, 0.0, t.scale, extra_index=theory.ptv_bin(ptv, edges))


def syst_hists(
    events: ak.Array, sel: np.ndarray, base_axes: tuple, idx: np.ndarray, weight: np.ndarray,
    mu: Muon, opts: Options, filename: str,
) -> dict[str, hist.Hist]:
    """All switched-on systematic histograms for the selected events ``sel`` (idx, weight, mu: selected only)."""
    t = Target(tuple(base_axes), idx, weight, opts.weight_scale)
    out: dict[str, hist.Hist] = {}
    for group in THEORY_GROUPS:
        if opts.on(group):
            out[f"syst_{group}"] = _theory(group, events, sel, t, opts, filename)
    eff, split = opts.efficiency_file, opts.eff_charge_split
    if opts.on("eff_stat"):
        shifts = efficiency.stat_shifts(mu.pt, mu.eta, mu.charge, opts.eff_stat_eigen, opts.eff_stat_size, eff)
        out["syst_eff_stat"] = _dense("eff_stat", t, shifts, efficiency.component_labels(opts.eff_stat_eigen, split), True)
    if opts.on("eff_syst"):
        shifts = efficiency.syst_shifts(mu.pt, mu.eta, mu.charge, opts.eff_syst_size, eff)
        out["syst_eff_syst"] = _dense("eff_syst", t, shifts, efficiency.syst_labels(split), True)
    if opts.on("muon_scale"):
        shifts = muonscale.scale_shifts(mu.pt, mu.gen_pt, mu.eta, mu.charge, opts.scale_sigma, opts.resolution_poly,
                                        opts.calibration_file)
        out["syst_muon_scale"] = _dense("muon_scale", t, shifts, muonscale.SCALE_LABELS, True)
    if opts.on("muon_resolution"):
        shifts = muonscale.resolution_shifts(mu.pt, mu.gen_pt, mu.eta, opts.resolution_rel_size, opts.resolution_poly)
        out["syst_muon_resolution"] = _dense("muon_resolution", t, shifts, muonscale.RESOLUTION_LABELS, True)
    return out
