"""Shared pieces of the processors: the selected muon, the systematic ("tensor") histograms, the output.

Output of every processor (a dict that coffea accumulates with ``+``)::

    {"hists": {name: hist.Hist}, "n_events": int, "sum_w": float, "sum_w2": float,
     "missing_inputs": set[str], "non_finite_dropped": int}

``n_events`` counts the events used; ``non_finite_dropped`` those left out for a NaN/inf input
(``histogram.non_finite: drop``; 0 otherwise), see :func:`chunk_output`.

``hists`` holds ``nominal`` (Weight storage) and one ``syst_<group>`` per switched-on group
(Double storage; base axes × the group's axis, whose entry 0 is "nominal"), see wmass.histograms.groups.

Per-muon groups (efficiency, momentum scale and resolution) of events with a second muon that does
not define the base axes (W-like: the muon that plays the neutrino) carry one more axis, ``otherEta``
(:func:`other_muon_hist`): the base muon's entries are at ``otherEta = −1`` (diagonal in its base
cell, as in mw), the second muon's at the η bin of that muon (its charge is the opposite of the base
charge). Per event the cost is two rows of the group's entries, one per muon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import hist
import numpy as np

from wmass.analyses import efficiency, fill, muonscale, theory
from wmass.analyses.inputs import MuonEvents
from wmass.analyses.options import THEORY_GROUPS, Options
from wmass.histograms import binning
from wmass.histograms.binning import NOMINAL, syst_axis

__all__ = ["PER_MUON_GROUPS", "Muon", "Target", "chunk_output", "chunk_totals", "muon_shifts", "other_muon_hist", "same_cell", "syst_hists"]


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


def chunk_output(hists: dict[str, hist.Hist], ev: MuonEvents, opts: Options) -> dict[str, Any]:
    """The output of a processor for one chunk (the module docstring)."""
    return {"hists": hists, **chunk_totals(ev.weight, opts), "missing_inputs": set(ev.missing), "non_finite_dropped": ev.dropped}


@dataclass(frozen=True)
class Target:
    """Where the systematic histograms go: base axes, flat base index and weight of the selected events."""

    axes: tuple[binning.HistAxis, ...]
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


#: The per-muon groups: those of options.MUON_GROUPS that are a relative weight shift of each selected
#: muon, computed by :func:`muon_shifts` (eff_veto acts on a lost muon, muon_scale_refill refills).
PER_MUON_GROUPS = ("eff_stat", "eff_syst", "muon_scale", "muon_resolution")


def muon_shifts(group: str, mu: Muon, opts: Options) -> tuple[np.ndarray, list[str]]:
    """[n, C] relative event-weight shifts of one muon for the C components of ``group``, and their labels.

    The labels end in ``@eta`` or ``@eta:charge``: the cell of the muon in which the component acts.
    """
    eff, split = opts.efficiency_file, opts.eff_charge_split
    if group == "eff_stat":
        shifts = efficiency.stat_shifts(mu.pt, mu.eta, mu.charge, opts.eff_stat_eigen, opts.eff_stat_size, eff)
        return shifts, efficiency.component_labels(opts.eff_stat_eigen, split)
    if group == "eff_syst":
        return efficiency.syst_shifts(mu.pt, mu.eta, mu.charge, opts.eff_syst_size, eff), efficiency.syst_labels(split)
    if group == "muon_scale":
        shifts = muonscale.scale_shifts(mu.pt, mu.gen_pt, mu.eta, mu.charge, opts.scale_sigma, opts.resolution_poly,
                                        opts.calibration_file)
        return shifts, list(muonscale.SCALE_LABELS)
    if group == "muon_resolution":
        shifts = muonscale.resolution_shifts(mu.pt, mu.gen_pt, mu.eta, opts.resolution_rel_size, opts.resolution_poly)
        return shifts, list(muonscale.RESOLUTION_LABELS)
    raise ValueError(f"{group!r} is not a per-muon group ({PER_MUON_GROUPS})")


def same_cell(labels: list[str], a: Muon, b: Muon) -> np.ndarray:
    """[n, C] bool: muons ``a`` and ``b`` of an event lie in the same cell of component j (its ``@`` axes).

    η is compared by bin; for ``@eta:charge`` components the charges must agree too (never for an
    opposite-sign pair).
    """
    eta = binning.eta_axis()
    same_eta = fill.axis_index(eta, a.eta) == fill.axis_index(eta, b.eta)
    same_q = a.charge == b.charge
    split = np.array([lb.partition("@")[2].split(":") == ["eta", "charge"] for lb in labels], dtype=bool)
    return same_eta[:, None] & (same_q[:, None] | ~split[None, :])


def other_muon_hist(group: str, t: Target, mu: Muon, other: Muon, opts: Options) -> hist.Hist:
    """A per-muon group for events with a second muon ``other`` (charge −q) that is not on the base axes.

    Axes: base × ``otherEta`` (Integer −1..47) × group. At ``otherEta = −1`` the base muon's entries:
    nominal, w (1 + a_j). At ``otherEta = i`` the second muon's, for events whose second muon is in
    η bin i: nominal, w (1 + b_j (1 + a_j s_j)), s_j = 1 when both muons lie in the cell of
    component j. The nuisance (j, cell c) of the prediction (groups.variation) is the base muon's
    diagonal variation in c plus Σ (entry j − nominal) of the second muon's slice of c: when both
    muons are in c the event weight becomes w (1 + a_j)(1 + b_j), the product of the two SF (or
    resolution-function) ratios, exactly.
    """
    a, labels = muon_shifts(group, mu, opts)
    b, _ = muon_shifts(group, other, opts)
    b = b * (1.0 + a * same_cell(labels, mu, other))
    other_eta = fill.axis_index(binning.eta_axis(), other.eta)
    axes = (binning.other_eta_axis(), syst_axis(group, [NOMINAL, *labels]))
    n = len(t.index)
    index = np.concatenate([t.index, np.where(other_eta < 0, -1, t.index)])
    extra = np.concatenate([np.zeros(n, np.int64), other_eta + 1])
    return fill.tensor_hist(t.axes, index, axes, np.concatenate([t.weight, t.weight]), np.concatenate([a, b]),
                            1.0, t.scale, extra_index=extra)


def syst_hists(
    events: ak.Array, sel: np.ndarray, base_axes: tuple, idx: np.ndarray, weight: np.ndarray,
    mu: Muon, opts: Options, filename: str, other: Muon | None = None,
) -> dict[str, hist.Hist]:
    """All switched-on systematic histograms for the selected events ``sel`` (idx, weight, mu: selected only).

    ``other``: the second muon of each selected event, whose per-muon variations are propagated too
    (:func:`other_muon_hist`); None for single-muon events (mw).
    """
    t = Target(tuple(base_axes), idx, weight, opts.weight_scale)
    out: dict[str, hist.Hist] = {}
    for group in THEORY_GROUPS:
        if opts.on(group):
            out[f"syst_{group}"] = _theory(group, events, sel, t, opts, filename)
    for group in PER_MUON_GROUPS:
        if not opts.on(group):
            continue
        if other is None:
            shifts, labels = muon_shifts(group, mu, opts)
            out[f"syst_{group}"] = _dense(group, t, shifts, labels, True)
        else:
            out[f"syst_{group}"] = other_muon_hist(group, t, mu, other, opts)
    return out
