"""Merged analysis histograms → the fit input of :mod:`wmass.fit` (one channel per fit).

A fit of :mod:`wmass.registry` names its analysis (whose histograms it reads: the analysis' fit
region, the processes of ``fitinput.processes.<layout>``), its signals, and the boson whose mass is
its POI; each process' boson and fit process (``qcd`` → ``nonprompt``) come from the registry too.

Per process p and bin b the expected yield is ν⁰_bp = s_p · h_p[b] (s = L / chunks, see
:mod:`.samples`); every ``syst_<group>`` histogram becomes log-normal nuisances with
log κ = ln(ν_var/ν⁰) (asymmetric up/down kept with the smooth interpolation, or averaged, as the
fit engine's builder does; lone variations are mirrored); MC statistics come from the Weight-storage
sums of squared weights (Barlow-Beeston lite, one β per bin). Applied here, not filled:

* the mass: ``massShift`` from the ``massShift±N MeV`` entries of ``syst_mass`` (N =
  ``mass_shift_mev``, 100; per bin, or with ``mass_smoothing: eta`` the η-integrated ratio applied in
  every η bin), unconstrained, a nuisance of interest in units of N MeV, on every process
  of the POI's boson (mw: W⁺, W⁻ and W → τν; wlike, dilepton: Z → μμ and Z → ττ), group
  ``massShift``; the other boson's mass (``massShiftZ`` in mw, ``massShiftW`` otherwise) is a
  constrained nuisance of prior ``other_mass_uncertainty_mev`` (log κ scaled by prior/N), group ``mass``;
* luminosity: κ = 1 + ``lumi_uncertainty`` (CMS 2016: 1.2%) on every simulated process but
  nonprompt, group ``lumi``;
* background normalisations: κ = 1 + ``norm_uncertainties[p]``, nuisance ``norm_<p>``, group ``norm``;
* nonprompt: the ``qcd`` simulation (not yet the data-driven extended ABCD of DESIGN.md section 5)
  with a wide log-normal prior κ = 1 + ``nonprompt_prior`` (50%), nuisance ``norm_nonprompt``,
  group ``nonprompt``. The choice is recorded in the fit input's metadata (``nonprompt``).

Then :func:`wmass.fitinput.clean.prepare`: bins without any simulated prediction get the yield of one
simulated event (``empty_bins``), and nuisances without any effect are dropped (constrained) or
refused (unconstrained).

Nuisance names and groups: those of :func:`wmass.histograms.groups.nuisance_names` with the histogram
group as group name; width, pT^V and A_i get a boson tag (``angular_W_...``, ``angular_Z_...``: W and
Z decorrelated), every other group is correlated between processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from wmass import registry
from wmass.errors import InputError
from wmass.fit.builder import LOGK_ZERO, FitInputBuilder
from wmass.fit.inputs import FitInput
from wmass.fitinput.analyses import BOSON_GROUPS
from wmass.fitinput.clean import prepare
from wmass.fitinput.nuisances import expand, values
from wmass.fitinput.options import FitInputOptions
from wmass.fitinput.samples import SampleInput, load_samples
from wmass.histograms.groups import variation

__all__ = ["MASS_POI", "assemble_builder", "assemble_fit_input"]

#: Name of the mass nuisance of interest (units of ``mass_shift_mev``): the registry fits' ``poi``.
MASS_POI = "massShift"
#: The simulated process that stands in for the nonprompt background, and the fit process it feeds.
QCD = "qcd"
NONPROMPT = registry.process(QCD).fit_process


def _boson(process: str) -> str | None:
    """The boson of ``process`` (None for processes without one)."""
    return registry.process(process).boson


def _fit_process(process: str) -> str:
    """The fit process fed by the simulated ``process`` (``qcd`` → ``nonprompt``)."""
    return registry.process(process).fit_process


def _nonprompt_note(options: FitInputOptions) -> str:
    return (f"nonprompt = the qcd simulation scaled to the data luminosity with a {options.nonprompt_prior:.0%} "
            "log-normal prior (norm_nonprompt); the data-driven extended ABCD is not used yet")


def _eta_smoothed(var: np.ndarray, nom: np.ndarray, axes: tuple[str, ...]) -> np.ndarray:
    """ν⁰ · Σ_η var / Σ_η ν⁰: the mass variation's η-integrated ratio applied in every η bin.

    With few simulated events per (η, pT, charge) bin, the per-bin ratio of the ±100 MeV weights
    (per-event weights differ from 1 by up to ~10%) is mostly simulation noise, which an Asimov fit
    reads as mass information; the η-integrated ratio keeps the pT (m_μμ) shape of the mass effect.
    """
    axis = next(i for i, name in enumerate(axes) if name in ("eta", "etaFwd"))
    total = nom.sum(axis=axis, keepdims=True)
    ratio = np.where(total > 0, var.sum(axis=axis, keepdims=True) / np.where(total > 0, total, 1.0), 1.0)
    return nom * ratio


def _add_mass(b: FitInputBuilder, ch: str, name: str, s: SampleInput, fit: registry.Fit,
              options: FitInputOptions) -> None:
    """The mass variation of process ``name``: the POI for the measured boson, a constrained nuisance otherwise."""
    boson = _boson(s.process)
    if boson is None:
        return
    h = s.systs["mass"]
    n = options.mass_shift_mev
    up_label, down_label = f"massShift+{n:g}MeV", f"massShift-{n:g}MeV"
    labels = [str(x) for x in h.axes["mass"]]
    if up_label not in labels or down_label not in labels:
        raise InputError(f"histogram file {s.path}: syst_mass has no {up_label!r}/{down_label!r} entries "
                         f"(fitinput.mass_shift_mev = {n:g}); it has {labels[1:]}")
    up, down = (variation(h, "mass", lb) for lb in (up_label, down_label))
    if options.mass_smoothing == "eta":
        up, down = (_eta_smoothed(v, s.raw, tuple(s.axes.name)) for v in (up, down))
    up, down = up * s.scale, down * s.scale
    if boson == fit.boson:
        b.add_systematic(ch, name, fit.poi, up, down, group=fit.poi, constrained=False, noi=True,
                         symmetrize=options.symmetrize)
    else:
        k = options.other_mass_uncertainty_mev[boson] / n
        b.add_systematic(ch, name, f"{fit.poi}{boson}", up, down, group="mass", kfactor=k, symmetrize=options.symmetrize)


def _add_groups(b: FitInputBuilder, ch: str, name: str, s: SampleInput, fit: registry.Fit,
                options: FitInputOptions) -> None:
    """Every ``syst_<group>`` histogram of the sample (the groups switched on) as nuisances of ``name``."""
    base = tuple(s.axes.name)
    for group, h in sorted(s.systs.items()):
        if not options.use_group(group):
            continue
        if tuple(h.axes.name[: len(base)]) != base:
            raise InputError(f"histogram file {s.path}: syst_{group} has axes {list(h.axes.name)}, "
                             f"expected the fit axes {list(base)} first")
        if group == "mass":
            _add_mass(b, ch, name, s, fit, options)
            continue
        tag = (_boson(s.process) or "") if group in BOSON_GROUPS else ""
        for nu in expand(group, h, tag):
            up, down = values(h, group, nu, s.raw)
            b.add_systematic(ch, name, nu.name, up * s.scale, None if down is None else down * s.scale,
                             group=group, symmetrize=options.symmetrize)


def _add_norms(b: FitInputBuilder, fit: registry.Fit, included: list[str], options: FitInputOptions) -> None:
    """Luminosity, background normalisations and the nonprompt prior (log-normal κ = 1 + u)."""
    simulated = [_fit_process(p) for p in included if p != QCD]
    if options.lumi_uncertainty > 0 and simulated:
        b.add_norm("lumi", simulated, 1.0 + options.lumi_uncertainty, group="lumi")
    for p in included:
        u = options.norm_uncertainties.get(p, 0.0)
        if p not in fit.signals and p != QCD and u > 0:
            b.add_norm(f"norm_{p}", [p], 1.0 + u, group="norm")
    if QCD in included and options.nonprompt_prior > 0:
        b.add_norm(f"norm_{NONPROMPT}", [NONPROMPT], 1.0 + options.nonprompt_prior, group=NONPROMPT)


def assemble_builder(fit_name: str, hist_files: Mapping[str, str | Path], process_of: Mapping[str, str],
                     options: FitInputOptions) -> tuple[FitInputBuilder, dict[str, Any]]:
    """The filled builder of the fit ``fit_name`` and the metadata describing it (yields, luminosity, choices).

    Its one channel is named after the fit (a fit and its analysis share their names today).
    """
    if fit_name not in registry.FITS:
        raise InputError(f"unknown fit {fit_name!r}; fits: {', '.join(registry.fit_names())}")
    fit = registry.fit(fit_name)
    analysis = registry.analysis(fit.analysis)
    processes = tuple(options.processes.get(analysis.layout, ()))
    missing_signal = [p for p in fit.signals if p not in processes]
    if missing_signal:
        raise InputError(f"fitinput.processes.{analysis.layout} lacks the signal(s) {missing_signal}")
    data, sims = load_samples(analysis, hist_files, process_of, processes, options.histogram_hash)
    ch = fit.name
    b = FitInputBuilder(logk_zero=LOGK_ZERO)
    b.add_channel(ch, data.axes)
    b.add_data(ch, data.values)
    order = [*fit.signals, *(p for p in processes if p not in fit.signals)]
    included: list[str] = []
    empty: list[str] = []
    info_procs: dict[str, dict[str, Any]] = {}
    for proc in order:
        s, name, signal = sims[proc], _fit_process(proc), proc in fit.signals
        total = float(s.values.sum())
        if signal and not total > 0:
            raise InputError(f"histogram file {s.path}: the signal {proc} has no events in the {fit.name} fit bins")
        if not total > 0:
            empty.append(proc)
            continue
        b.add_process(ch, name, s.values, signal=signal, sumw2=s.sumw2)
        _add_groups(b, ch, name, s, fit, options)
        included.append(proc)
        info_procs[name] = {"sample": s.sample, "file": s.path, "process": proc, "signal": signal,
                            "chunks": int(s.meta["chunks"]), "scale": s.scale, "yield": total}
    _add_norms(b, fit, included, options)
    if options.signal_strength == "common":
        b.set_poi("mu", [_fit_process(p) for p in fit.signals])
    prefit = sum(v["yield"] for v in info_procs.values())
    data_total = float(data.values.sum())
    info = {"fit": fit.name, "analysis": analysis.name, "channel": ch, "lumi_pb": float(data.meta["lumi_pb"]),
            "data": {"sample": data.sample, "file": data.path, "events": data_total},
            "processes": info_procs, "empty_backgrounds": empty, "prefit_total": prefit,
            "prefit_over_data": prefit / data_total if data_total > 0 else None,
            "nonprompt": _nonprompt_note(options) if QCD in included else None,
            "mass_poi": {"name": fit.poi, "units_mev": options.mass_shift_mev, "boson": fit.boson},
            "options": options.as_dict()}
    return b, info


def assemble_fit_input(fit_name: str, hist_files: Mapping[str, str | Path], process_of: Mapping[str, str],
                       options: FitInputOptions | None = None, provenance: Mapping[str, Any] | None = None) -> FitInput:
    """The fit input of the fit ``fit_name`` (:mod:`wmass.registry`) from its merged histogram files ``{sample: path}``.

    ``process_of`` maps each sample to its process (the configuration's ``samples.<s>.process``).
    The metadata of :func:`assemble_builder` (plus ``provenance`` and the nuisance count per group)
    is stored as the fit input's provenance, with the empty-bin floors and dropped nuisances of
    :func:`wmass.fitinput.clean.prepare`. Raises :class:`InputError` naming the file for a file of
    another analysis or configuration, a missing process, non-finite contents or an empty signal.
    """
    options = options or FitInputOptions()
    b, info = assemble_builder(fit_name, hist_files, process_of, options)
    fi = b.build(sparse=options.storage == "sparse", provenance={**info, **dict(provenance or {})})
    if options.signal_strength == "none":
        fi.pois = {}
    fi.provenance.update(prepare(fi, options.empty_bins))
    fi.provenance["nuisances_per_group"] = {g: len(m) for g, m in sorted(fi.groups.items())}
    fi.provenance["nuisances"] = len(fi.systs)
    fi.validate(f"{fit_name} fit input")
    return fi
