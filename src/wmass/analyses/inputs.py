"""Reading what the processors need from NanoEvents, with an explicit policy for missing branches.

Always required: ``nMuon``, ``Muon_pt/eta/phi/charge``; ``genWeight`` for simulation;
``MET_pt/phi`` for mw and W-like (mT). Everything else belongs to an *optional group*: when one of
its branches is missing the processor raises :class:`~wmass.errors.InputError` naming the file and
the branch, unless the group is listed in ``allow_missing`` (config ``histogram.allow_missing``),
in which case the documented fallback below applies and the group is reported in the output
(``missing_inputs``), never silently. Every missing branch and group of a file is reported in one
error (:func:`check_inputs`), so one run gives the whole ``allow_missing`` list of a file (which
``wmass histogram --allow-missing`` also accepts):

==============  =======================================================  ===========================
group           branches                                                 fallback
==============  =======================================================  ===========================
event_ids       run, luminosityBlock, event                              event = entry number in file
dxybs           Muon_dxybs (absent in NanoAOD < v9)                      Muon_dxy (w.r.t. the PV)
muon_id         Muon_looseId, Muon_mediumId, Muon_isGlobal               every muon passes
isolation       Muon_pfRelIso04_all                                      every muon isolated (0)
trigger         HLT_<path> for every configured path (any one present)  every event fires
trigger_match   TrigObj_eta/phi/id/filterBits                            every muon matched
electrons       Electron_pt/eta/dxy/dz/cutBased                          no electron veto
gen_match       Muon_genPartIdx, GenPart_pt (simulation, muon scale)     no scale/resolution weight
==============  =======================================================  ===========================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import awkward as ak
import numpy as np

from wmass.analyses import muonscale, selection
from wmass.errors import InputError

__all__ = ["NON_FINITE_POLICIES", "OPTIONAL_GROUPS", "MuonEvents", "available_branches", "check_inputs", "non_finite_events",
           "read_events"]

#: Optional input groups: branches and the fallback applied when the group is allowed to be missing.
OPTIONAL_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "event_ids": (("run", "luminosityBlock", "event"), "event number = entry number in the file"),
    "dxybs": (("Muon_dxybs",), "Muon_dxy (w.r.t. the primary vertex) replaces Muon_dxybs"),
    "muon_id": (("Muon_looseId", "Muon_mediumId", "Muon_isGlobal"), "every muon passes the IDs"),
    "isolation": (("Muon_pfRelIso04_all",), "every muon counts as isolated"),
    "trigger": ((), "every event fires the trigger"),
    "trigger_match": (("TrigObj_eta", "TrigObj_phi", "TrigObj_id", "TrigObj_filterBits"), "every muon is matched"),
    "electrons": (("Electron_pt", "Electron_eta", "Electron_dxy", "Electron_dz", "Electron_cutBased"), "no electron veto"),
    "gen_match": (("Muon_genPartIdx", "GenPart_pt"), "no muon scale/resolution weights (weight 1)"),
}
REQUIRED = ("Muon_pt", "Muon_eta", "Muon_phi", "Muon_charge")


@dataclass(frozen=True)
class MuonEvents:
    """The columns the analyses use, one chunk: per-event arrays [n] and flat per-muon arrays [m].

    Muons of event i are ``off[i]:off[i+1]``; ``owner`` [m] is the event of each muon.
    """

    n: int
    off: np.ndarray
    owner: np.ndarray
    event: np.ndarray
    weight: np.ndarray  #: genWeight (float64) for simulation, ones for data
    met_pt: np.ndarray | None  #: None unless read with ``need_met``
    met_phi: np.ndarray | None
    trigger: np.ndarray  #: bool, OR of the configured HLT paths
    electron_veto: np.ndarray  #: bool, True when no veto electron
    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    charge: np.ndarray
    veto: np.ndarray  #: bool per muon: the veto selection
    medium: np.ndarray
    iso: np.ndarray
    matched: np.ndarray  #: bool per muon: trigger matched
    gen_pt: np.ndarray | None  #: pT of the matched generator muon (NaN when unmatched); None for data
    missing: tuple[str, ...]  #: optional groups absent in this file (allowed, fallbacks applied)
    dropped: int = 0  #: events of the chunk left out for a non-finite input (histogram.non_finite: drop)

    def met(self) -> tuple[np.ndarray, np.ndarray]:
        """(pT^miss, φ^miss) per event; an error for events read without ``need_met``."""
        if self.met_pt is None or self.met_phi is None:
            raise ValueError("pT^miss was not read for these events (the processor sets need_met = False)")
        return self.met_pt, self.met_phi

    def nveto(self) -> np.ndarray:
        """Number of veto muons per event."""
        return selection.per_event_count(self.off, self.veto)

    def veto_index(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(events with exactly ``count`` veto muons, [len, count] flat indices of those muons)."""
        vidx = np.flatnonzero(self.veto)
        owner = self.owner[vidx]
        keep = self.nveto()[owner] == count
        return owner[keep][::count], vidx[keep].reshape(-1, count)


def _buffer(data: object) -> np.ndarray:
    """The numpy array behind an awkward buffer (a lazily read NanoEvents column is read here)."""
    return np.asarray(data.materialize() if hasattr(data, "materialize") else data)


def _flat(arr: ak.Array, dtype: type | None = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """(event offsets, flat values) of a jagged NanoEvents column (``dtype`` None: as stored).

    Reads the offsets and content buffers of the column directly (no per-column counts, flatten or
    copies: the offsets are one buffer shared by a collection's columns, the content is converted
    only when its dtype differs). Other layouts (e.g. a filtered array) go through awkward.
    """
    layout = arr.layout
    if isinstance(layout, ak.contents.ListOffsetArray) and isinstance(layout.content, ak.contents.NumpyArray):
        off = _buffer(layout.offsets.data).astype(np.int64, copy=False)
        flat = _buffer(layout.content.data)[off[0]:off[-1]]
        return (off - off[0] if off[0] else off), (flat if dtype is None else flat.astype(dtype, copy=False))
    counts = ak.to_numpy(ak.num(arr, axis=1)).astype(np.int64)
    off = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    values = ak.to_numpy(ak.flatten(arr, axis=1))
    return off, (values if dtype is None else values.astype(dtype))


def available_branches(events: ak.Array) -> set[str]:
    """Flat NanoAOD branch names present in ``events`` (collections expanded as <Coll>_<field>)."""
    out: set[str] = set()
    layout = events.layout
    for name in layout.fields:
        form = layout.content(name).form  # forms only: no behaviour classes are built
        while not isinstance(form, ak.forms.RecordForm) and hasattr(form, "content"):
            form = form.content
        if isinstance(form, ak.forms.RecordForm):
            out.update(f"{name}_{f}" for f in form.fields)
        else:
            out.add(name)
    return out


def _absent(present: set[str], needed: Iterable[str], analysis: str, purpose: str) -> list[str]:
    """One line per required branch that is missing."""
    return [f"branch {b!r} is missing; the {analysis} analysis needs it ({purpose})" for b in needed if b not in present]


def _missing_groups(
    present: set[str], triggers: Sequence[str], is_mc: bool, groups: Iterable[str]
) -> dict[str, list[str]]:
    """{optional group: its missing branches} of the groups absent from ``present``."""
    missing = {}
    for group in groups:
        branches, _ = OPTIONAL_GROUPS[group]
        absent = [b for b in branches if b not in present]
        if group == "trigger" and not any(f"HLT_{p}" in present for p in triggers):
            absent = [f"HLT_{p}" for p in triggers]
        if group == "gen_match" and not is_mc:
            continue
        if absent:
            missing[group] = absent
    return missing


def check_inputs(
    present: set[str], *, filename: str, analysis: str, is_mc: bool, need_met: bool, triggers: Sequence[str],
    allow_missing: frozenset[str], groups: Iterable[str], weight_branches: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """The optional groups absent from ``present`` (all allowed); otherwise one InputError listing every problem.

    Every missing required branch, every missing weight branch of a switched-on theory group
    (``weight_branches``: group → branch; ``GenV_pt`` with ``angular``) and every optional group that is missing but not in
    ``allow_missing`` are reported together, so one run tells the whole ``allow_missing`` list.
    """
    problems = _absent(present, REQUIRED, analysis, "muon kinematics")
    if is_mc:
        problems += _absent(present, ("genWeight",), analysis, "simulation event weight")
    if need_met:
        problems += _absent(present, ("MET_pt", "MET_phi"), analysis, "mT")
    weight_branches = weight_branches or {}
    problems += [f"weight branch {b!r} of the {g!r} systematic group is missing" for g, b in weight_branches.items() if b not in present]
    if "angular" in weight_branches and "GenV_pt" not in present:
        problems.append("branch 'GenV_pt' is missing (pT^V bins of the 'angular' systematic group)")
    missing = _missing_groups(present, triggers, is_mc, groups)
    refused = [g for g in missing if g not in allow_missing]
    for group in refused:
        names = ", ".join(repr(b) for b in missing[group])
        problems.append(f"branch{'es' if len(missing[group]) > 1 else ''} {names} {'are' if len(missing[group]) > 1 else 'is'} "
                        f"missing (input group {group!r}; fallback when allowed: {OPTIONAL_GROUPS[group][1]})")
    if problems:
        hint = ""
        if refused:
            listed = ",".join(refused)
            hint = (f"\n  to run with the fallbacks, add {refused} to histogram.allow_missing "
                    f"or pass `wmass histogram --allow-missing {listed}`")
        if len(problems) == 1:
            raise InputError(f"{filename}: {problems[0]}{hint}")
        raise InputError(f"{filename}: {len(problems)} missing inputs:\n  " + "\n  ".join(problems) + hint)
    return tuple(missing)


def non_finite_events(values: np.ndarray, offsets: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(sorted indices of the events holding a NaN or ±inf in ``values``, flat index of the first such value).

    ``values``: one value (or one row of a 2-D array) per event, or with ``offsets`` the flat values
    of a jagged column (event i holds ``values[offsets[i]:offsets[i+1]]``). ``(empty, -1)`` when
    every value is finite; one ``np.isfinite`` pass (the bad values are located only when there are some).
    """
    finite = np.isfinite(values)
    if finite.all():
        return np.zeros(0, np.int64), -1
    bad = ~finite.reshape(len(finite), -1) if finite.ndim > 1 else ~finite
    first = int(np.argmax(bad.ravel()))
    if bad.ndim > 1:
        return np.flatnonzero(bad.any(axis=1)), first
    pos = np.flatnonzero(bad)
    if offsets is None:
        return pos, first
    return np.unique(np.searchsorted(offsets, pos, side="right") - 1), first


#: What ``histogram.non_finite`` may say: refuse a chunk with a non-finite physics input, or drop its events.
NON_FINITE_POLICIES = ("error", "drop")


@dataclass(frozen=True)
class _Column:
    values: np.ndarray
    offsets: np.ndarray | None = None  #: event offsets of a jagged column (flat ``values``)
    array: bool = False  #: a weight array: the column of a bad value is named


def _physics_columns(
    events: ak.Array, *, is_mc: bool, need_met: bool, isolation: bool, weight_branches: Mapping[str, str]
) -> dict[str, _Column]:
    """The physics inputs checked for NaN/inf, by branch name (read once: the same arrays build MuonEvents)."""
    mu = events.Muon
    off, pt = _flat(mu["pt"])
    cols = {"Muon_pt": _Column(pt, off), "Muon_eta": _Column(_flat(mu["eta"])[1], off), "Muon_phi": _Column(_flat(mu["phi"])[1], off)}
    if isolation:
        cols["Muon_pfRelIso04_all"] = _Column(_flat(mu["pfRelIso04_all"])[1], off)
    if need_met:
        cols["MET_pt"] = _Column(ak.to_numpy(events.MET["pt"]).astype(np.float64))
        cols["MET_phi"] = _Column(ak.to_numpy(events.MET["phi"]).astype(np.float64))
    if is_mc:
        cols["genWeight"] = _Column(ak.to_numpy(events.genWeight).astype(np.float64))
        for branch in weight_branches.values():
            if branch not in events.fields:  # not a top-level field (e.g. a name with "_"): theory.weight_array refuses it
                continue
            arr = events[branch]
            if arr.ndim == 1:
                cols[branch] = _Column(ak.to_numpy(arr), array=True)
            else:
                w_off, w = _flat(arr, None)
                cols[branch] = _Column(w, w_off, array=True)
        if "angular" in weight_branches:
            cols["GenV_pt"] = _Column(ak.to_numpy(events.GenV["pt"]))
    return cols


def _non_finite_error(filename: str, bad: Mapping[str, tuple[np.ndarray, int]], cols: Mapping[str, _Column], start: int, n: int) -> InputError:
    lines = []
    for branch, (evts, first) in bad.items():
        col = cols[branch]
        value = col.values.ravel()[first]
        where = repr(branch)
        if col.array:  # the column of the weight array
            where += f" (column {first - int(col.offsets[evts[0]]) if col.offsets is not None else 0})"
        lines.append(f"branch {where} is {value} at entry {start + int(evts[0])} "
                     f"({len(evts)} event{'s' if len(evts) > 1 else ''} of entries {start}–{start + n - 1})")
    hint = ("set histogram.non_finite: drop to drop such events (their number is recorded in the histogram file, "
            "non_finite_dropped)")
    if len(lines) == 1:
        return InputError(f"{filename}: non-finite input: {lines[0]}; {hint}")
    return InputError(f"{filename}: non-finite inputs in {len(lines)} branches:\n  " + "\n  ".join(lines) + f"\n  {hint}")


def read_events(
    events: ak.Array,
    *,
    analysis: str,
    is_mc: bool,
    need_met: bool,
    triggers: Sequence[str],
    trigger_bits: int,
    allow_missing: frozenset[str],
    need_gen: bool,
    calibration_file: str | None = None,
    weight_branches: Mapping[str, str] | None = None,
    non_finite: str = "error",
) -> tuple[ak.Array, MuonEvents]:
    """(the events used, their analysis columns) of one NanoEvents chunk, applying the input policies.

    Missing branches: :func:`check_inputs`; ``weight_branches`` (group → branch) are the weight
    arrays of the switched-on theory groups. Non-finite physics inputs (NaN or ±inf in Muon_pt,
    Muon_eta, Muon_phi, Muon_pfRelIso04_all, MET_pt, MET_phi, genWeight, the weight arrays and
    GenV_pt; :func:`non_finite_events`): ``non_finite`` "error" raises an InputError naming the file,
    each branch and its first entry; "drop" leaves those events out (the returned events are the
    others, ``MuonEvents.dropped`` counts them).
    """
    if non_finite not in NON_FINITE_POLICIES:
        raise ValueError(f"non_finite must be one of {NON_FINITE_POLICIES}, not {non_finite!r}")
    filename = str(events.metadata.get("filename", "<events>")) if hasattr(events, "metadata") else "<events>"
    start = int(events.metadata.get("entrystart", 0)) if hasattr(events, "metadata") else 0
    present = available_branches(events)
    groups = [g for g in OPTIONAL_GROUPS if g != "gen_match" or need_gen]
    weight_branches = dict(weight_branches or {})
    missing = check_inputs(present, filename=filename, analysis=analysis, is_mc=is_mc, need_met=need_met, triggers=triggers,
                           allow_missing=allow_missing, groups=groups, weight_branches=weight_branches)
    cols = _physics_columns(events, is_mc=is_mc, need_met=need_met, isolation="isolation" not in missing,
                            weight_branches=weight_branches)
    bad = {name: found for name, col in cols.items() if (found := non_finite_events(col.values, col.offsets))[1] >= 0}
    if not bad:
        return events, _muon_events(events, cols, present, missing, triggers, trigger_bits, need_gen, is_mc, need_met,
                                    calibration_file, entries=None, dropped=0)
    if non_finite != "drop":
        raise _non_finite_error(filename, bad, cols, start, len(events))
    keep = np.ones(len(events), bool)
    keep[np.concatenate([evts for evts, _ in bad.values()])] = False
    kept = events[keep]
    cols = _physics_columns(kept, is_mc=is_mc, need_met=need_met, isolation="isolation" not in missing, weight_branches={})
    return kept, _muon_events(kept, cols, present, missing, triggers, trigger_bits, need_gen, is_mc, need_met, calibration_file,
                              entries=start + np.flatnonzero(keep), dropped=int(len(keep) - keep.sum()))


def _muon_events(
    events: ak.Array, cols: Mapping[str, _Column], present: set[str], missing: tuple[str, ...], triggers: Sequence[str],
    trigger_bits: int, need_gen: bool, is_mc: bool, need_met: bool, calibration_file: str | None,
    entries: np.ndarray | None, dropped: int,
) -> MuonEvents:
    n = len(events)
    mu = events.Muon
    off, pt = cols["Muon_pt"].offsets, cols["Muon_pt"].values
    assert off is not None
    eta, phi, charge = cols["Muon_eta"].values, cols["Muon_phi"].values, _flat(mu["charge"])[1]
    if calibration_file is not None:
        pt = muonscale.corrected_pt(pt, eta, charge, calibration_file)
    true = np.ones(pt.shape, bool)
    has = lambda g: g not in missing  # noqa: E731
    flag = lambda name: _flat(mu[name], bool)[1]  # noqa: E731
    loose, medium, glob = (flag("looseId"), flag("mediumId"), flag("isGlobal")) if has("muon_id") else (true, true, true)
    dxy_name = "dxybs" if has("dxybs") else ("dxy" if "Muon_dxy" in present else None)
    dxybs = _flat(mu[dxy_name])[1] if dxy_name else np.zeros(pt.shape)
    return MuonEvents(
        n=n, off=off, owner=np.repeat(np.arange(n), np.diff(off)),
        event=_event_numbers(events, has("event_ids"), entries),
        weight=cols["genWeight"].values if is_mc else np.ones(n),
        met_pt=cols["MET_pt"].values if need_met else None,
        met_phi=cols["MET_phi"].values if need_met else None,
        trigger=_trigger(events, present, triggers) if has("trigger") else np.ones(n, bool),
        electron_veto=_electrons(events) if has("electrons") else np.ones(n, bool),
        pt=pt, eta=eta, phi=phi, charge=charge,
        veto=selection.veto_muon_mask(pt, eta, loose, glob, dxybs),
        medium=medium,
        iso=cols["Muon_pfRelIso04_all"].values if has("isolation") else np.zeros(pt.shape),
        matched=_matched(events, off, eta, phi, trigger_bits) if has("trigger_match") else true,
        gen_pt=_gen_pt(events) if (is_mc and need_gen and has("gen_match")) else None,
        missing=missing,
        dropped=dropped,
    )


def _event_numbers(events: ak.Array, present: bool, entries: np.ndarray | None = None) -> np.ndarray:
    """Event numbers; without the branch, the entry numbers in the file (``entries``: of events kept after a drop)."""
    if present:
        return ak.to_numpy(events.event).astype(np.uint64)
    if entries is not None:
        return entries.astype(np.uint64)
    start = int(events.metadata.get("entrystart", 0)) if hasattr(events, "metadata") else 0
    return np.arange(start, start + len(events), dtype=np.uint64)


def _trigger(events: ak.Array, present: set[str], paths: Sequence[str]) -> np.ndarray:
    fired = np.zeros(len(events), bool)
    for path in paths:
        if f"HLT_{path}" in present:
            fired |= ak.to_numpy(events.HLT[path])
    return fired


def _electrons(events: ak.Array) -> np.ndarray:
    el = events.Electron
    off, pt = _flat(el["pt"])
    return selection.electron_veto(off, pt, _flat(el["eta"])[1], _flat(el["dxy"])[1], _flat(el["dz"])[1], _flat(el["cutBased"], np.int64)[1])


def _matched(events: ak.Array, off: np.ndarray, eta: np.ndarray, phi: np.ndarray, bits: int) -> np.ndarray:
    obj = events.TrigObj
    obj_off, obj_id = _flat(obj["id"], np.int64)
    ok = (obj_id == 13) & ((_flat(obj["filterBits"], np.int64)[1] & bits) == bits)
    return selection.trigger_match(off, eta, phi, obj_off, _flat(obj["eta"])[1], _flat(obj["phi"])[1], ok)


def _gen_pt(events: ak.Array) -> np.ndarray:
    """Flat per muon: pT of the generator particle it is matched to (Muon_genPartIdx), NaN when unmatched."""
    mu_off, flat_idx = _flat(events.Muon["genPartIdx"], np.int64)
    gen_off, flat_gen = _flat(events.GenPart["pt"])
    owner = np.repeat(np.arange(len(mu_off) - 1), np.diff(mu_off))
    n_gen = np.diff(gen_off)
    ok = (flat_idx >= 0) & (flat_idx < n_gen[owner])
    values = np.full(flat_idx.shape, np.nan)
    values[ok] = flat_gen[gen_off[owner[ok]] + flat_idx[ok]]
    return values
