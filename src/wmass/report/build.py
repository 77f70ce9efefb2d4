"""Assemble the report: load the fits and gates, draw the figures, write index.html atomically.

The page is built in a temporary folder beside ``outdir`` that then replaces ``outdir``, so an
interrupted build never leaves a half-written report. See docs/report.md for what is shown.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wmass import registry
from wmass.blinding import stage_of_fit
from wmass.report import figures, tables
from wmass.report.html import figure, page, section
from wmass.report.load import FitData, Gate, load_fit, load_gates
from wmass.report.references import MW_REFERENCES

__all__ = ["build_report"]
N_PULLS, N_IMPACTS, N_CORR = 40, 30, 20
_AXIS_LABELS = {"eta": r"Muon $\eta$", "pt": r"Muon $p_{T}$ (GeV)", "mll": r"$m_{\mu\mu}$ (GeV)",
                "etaFwd": r"$\eta$ of the forward muon", "charge": "Muon charge"}
#: Axes onto which the distributions are also projected (per charge where there is one).
_PROJECT = ("pt", "mll")
_AXIS_TEXT = {"eta": "η", "pt": "pT", "mll": "m(μμ)", "etaFwd": "η", "charge": "charge"}


def _charge_label(lo: float, hi: float) -> tuple[str, str]:
    """Text and mathtext label of a charge bin."""
    c = 0.5 * (lo + hi)
    return ("negative muons", r"$\mu^{-}$") if c < 0 else ("positive muons", r"$\mu^{+}$") if c > 0 else ("q=0", "q=0")


def _views(chan: dict[str, Any]) -> list[tuple[tuple[str, str], int | None]]:
    """((text, mathtext) suffix, charge bin or None) of the views of a channel: one per charge bin if any."""
    names = [a["name"] for a in chan["axes"]]
    if "charge" not in names:
        return [(("", ""), None)]
    edges = chan["axes"][names.index("charge")]["edges"]
    return [(_charge_label(edges[q], edges[q + 1]), q) for q in range(len(edges) - 1)]


def _take(arr: np.ndarray, shape: tuple[int, ...], names: list[str], q: int | None) -> np.ndarray:
    """The bins of a channel ([nbins, ...] in C order) at charge bin ``q``, reshaped to the other axes."""
    a = arr.reshape(shape + arr.shape[1:])
    if q is not None:
        a = np.take(a, q, axis=names.index("charge"))
    return a


def _distributions(fd: FitData, out: Path, lumi: float | None) -> list[str]:
    """Prefit and postfit unrolled distributions and 1D projections of every channel of ``fd``."""
    y = fd.yields
    if y is None:
        return ['<p class="note">No yields.h5 for this fit (re-run <code>wmass fit</code>): no distributions.</p>']
    procs = y["processes"]
    data_all = np.full(y["prefit"].shape[0], np.nan)
    data_all[y["fit_bins"]] = y["data"]
    parts, start = [], 0
    for chan in y["channels"]:
        names = [a["name"] for a in chan["axes"]]
        edges = [np.asarray(a["edges"], dtype=float) for a in chan["axes"]]
        shape = tuple(len(e) - 1 for e in edges)
        nb = int(np.prod(shape))
        sl = slice(start, start + nb)
        start += nb
        rest = [n for n in names if n != "charge"]
        for stage in ("prefit", "postfit"):
            yy, err = y[stage][sl], y[f"{stage}_total_err"][sl]
            data = None if chan["masked"] else data_all[sl]
            for suffix, q in _views(chan):
                tag = f"{fd.name}_{chan['name']}_{stage}" + ("" if q is None else f"_q{q}")
                what = f"{fd.name}: {stage} {chan['name']}" + (f", {suffix[0]}" if suffix[0] else "")
                what_tex = f"{fd.name}: {stage} {chan['name']}" + (f", {suffix[1]}" if suffix[1] else "")
                sub = _take(yy, shape, names, q).reshape(-1, len(procs))
                sube = _take(err, shape, names, q).ravel()
                subd = None if data is None else _take(data, shape, names, q).ravel()
                if len(rest) > 1:
                    outer, inner = rest[0], int(np.prod([shape[names.index(n)] for n in rest[1:]]))
                    e = edges[names.index(outer)]
                    blocks = [(k * inner, f"{_AXIS_TEXT.get(outer, outer)} [{e[k]:.3g}, {e[k + 1]:.3g}]")
                              for k in range(len(e) - 1)]
                    unrolled = "(" + ", ".join(_AXIS_TEXT.get(n, n) for n in reversed(rest)) + ")"
                    figures.stack(out / f"{tag}_unrolled.png", sub, procs, sube, subd, xlabel=f"Unrolled {unrolled} bin",
                                  title=what_tex, lumi_pb=lumi, blocks=blocks,
                                  ratio_label="Data / pred." if data is not None else "Rel. unc.")
                    parts.append(figure(f"{tag}_unrolled.png", f"{what}: unrolled {unrolled} distribution, "
                                        f"{'blocks of ' + _AXIS_TEXT.get(outer, outer) if blocks else ''}; "
                                        f"band: {stage} uncertainty of the total", wide=True))
                for ax in [a for a in rest if a in _PROJECT or len(rest) == 1]:
                    key = (chan["name"], (ax,) if q is None else (ax, "charge"))
                    if key not in y["projections"]:
                        continue
                    k = names.index(ax)
                    ysum = _project(yy, shape, names, ax, q)
                    dsum = None if data is None else _project(data[:, None], shape, names, ax, q)[:, 0]
                    perr = y["projections"][key][0 if stage == "prefit" else 1]
                    if q is not None:
                        perr = perr.reshape(shape[k], shape[names.index("charge")])[:, q]
                    figures.stack(out / f"{tag}_{ax}.png", ysum, procs, perr, dsum,
                                  xlabel=_AXIS_LABELS.get(ax, ax), title=what_tex, lumi_pb=lumi, edges=edges[k])
                    parts.append(figure(f"{tag}_{ax}.png", f"{what}: projection on {_AXIS_TEXT.get(ax, ax)}; band: "
                                        f"{stage} uncertainty of the total (bin correlations included)"))
    return parts


def _project(arr: np.ndarray, shape: tuple[int, ...], names: list[str], axis: str, q: int | None) -> np.ndarray:
    """Sum of ``arr`` [nbins, P] over all axes but ``axis`` (at charge bin ``q`` when given): [n_axis, P]."""
    a = arr.reshape(shape + arr.shape[1:])
    k = names.index(axis)
    if q is not None:
        c = names.index("charge")
        a = np.take(a, q, axis=c)
        k = k - (1 if c < k else 0)
    a = np.moveaxis(a, k, 0)
    return a.reshape(a.shape[0], -1, arr.shape[1]).sum(axis=1)


def _pulls(fd: FitData, out: Path) -> list[str]:
    """Top |pull| constrained nuisances and the per-group summary (hidden parameters excluded)."""
    ps = [p for p in fd.parameters() if "pull" in p and p["name"] not in fd.hidden]
    if not ps:
        return ["<p>No constrained nuisance parameters.</p>"]
    ps.sort(key=lambda p: -abs(p["pull"]))
    top = ps[:N_PULLS]
    figures.pulls(out / f"{fd.name}_pulls.png", [p["name"] for p in top], np.array([p["pull"] for p in top]),
                  np.array([p["constraint"] for p in top]), f"{fd.name}: {len(top)} largest |pull|")
    summ = tables.group_pull_summary(fd)
    figures.group_pulls(out / f"{fd.name}_pulls_groups.png", [s[0] for s in summ], np.array([s[3] for s in summ]),
                        np.array([s[4] for s in summ]), f"{fd.name}: pulls per group")
    return [figure(f"{fd.name}_pulls.png", f"{fd.name}: pulls and constraints of the {len(top)} constrained nuisances "
                   f"with the largest |pull| (of {len(ps)})"),
            figure(f"{fd.name}_pulls_groups.png", f"{fd.name}: RMS pull and mean constraint per group"),
            tables.group_pull_table(fd)]


def _ranked(fd: FitData, out: Path) -> list[str]:
    """Ranked nominal impacts (MeV) and correlations of each mass noi."""
    parts = []
    for t in fd.targets():
        if t in fd.impacts and len(fd.impacts[t]) == len(fd.names):
            v = np.asarray(fd.impacts[t]) * fd.units_mev
            idx = [i for i in np.argsort(-np.abs(v)) if fd.names[i] != t][:N_IMPACTS]
            figures.ranked(out / f"{fd.name}_impacts_{t}.png", [fd.names[i] for i in idx], v[idx],
                           f"Impact on {t} (MeV)", f"{fd.name}: nominal impacts on {t}")
            parts.append(figure(f"{fd.name}_impacts_{t}.png", f"{fd.name}: the {len(idx)} largest nominal impacts "
                                f"on {t} (MeV; signed: shift of {t} for a +1σ shift of the nuisance)"))
        if t in fd.correlation:
            c = np.asarray(fd.correlation[t])
            idx = [i for i in np.argsort(-np.abs(c)) if fd.names[i] != t][:N_CORR]
            figures.ranked(out / f"{fd.name}_corr_{t}.png", [fd.names[i] for i in idx], c[idx],
                           f"Correlation with {t}", f"{fd.name}: correlations of {t}")
            parts.append(figure(f"{fd.name}_corr_{t}.png", f"{fd.name}: the {len(idx)} parameters most correlated "
                                f"with {t} (postfit)"))
    return parts


def _summary_figure(fits: Sequence[FitData], out: Path) -> list[str]:
    """The m_W summary plot of the (first) blinded W-mass fit; "blinded" unless its stage is open."""
    mw = next((fd for fd in fits if fd.name in registry.FITS and registry.fit(fd.name).boson == "W"
               and registry.fit(fd.name).blinded), None)
    this, err = None, None
    if mw is not None and mw.present:
        nois = [p for p in mw.parameters() if p.get("kind") == "noi"]
        if nois:
            u = mw.unblinded.get(nois[0]["name"])
            if u is not None:
                mass, error = u["mass_mev"], u["error_mev"]
                if mass is None or error is None:
                    raise ValueError(f"{mw.name}: the unblinded result of {nois[0]['name']} has no mass or error")
                this = (float(mass), float(error))
            else:
                err = nois[0]["error"] * mw.units_mev
    label = "This work" if this is not None else "This work (blinded)"
    figures.mass_summary(out / "mw_summary.png", MW_REFERENCES, this, err, label)
    refs = "; ".join(f"{html.escape(m.label)}: {html.escape(m.citation)}" for m in MW_REFERENCES)
    return [figure("mw_summary.png", "m_W: this work compared with published measurements and the electroweak fit"
                   + ("" if this is not None else " (this work is blinded: only its uncertainty is given)")),
            f"<p><small>References: {refs}.</small></p>"]


def _nonprompt(config: dict[str, Any], fits: Sequence[FitData]) -> str:
    prior = None
    for fd in fits:
        prior = (fd.meta.get("options") or {}).get("nonprompt_prior", prior)
    if prior is None:
        prior = (config.get("fitinput") or {}).get("nonprompt_prior")
    width = "a wide" if prior is None else f"a wide ({100 * float(prior):.0f}% log-normal)"
    return (f'<p class="note">The nonprompt background of the m_W fit is taken from the QCD simulation with {width} '
            "normalisation prior, until the data-driven extended-ABCD estimate exists.</p>")


def _gates_summary(gates: dict[str, Gate]) -> str:
    items = []
    for g in gates.values():
        fits = ", ".join(g.fits)
        items.append(f"<li>{html.escape(g.stage)} ({html.escape(fits)}): {html.escape(g.status)}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _fit_section(fd: FitData, out: Path) -> str:
    title = f"{tables.title(fd.name)} [{fd.name}]"
    if not fd.present:
        return section(fd.name, title, ["<p>Not run (no result.json).</p>"])
    lumi = fd.lumi_pb
    stage = stage_of_fit(fd.name)
    status = ("Unblinded by declaration (no unblinding stage)" if stage is None
              else f"Unblinding stage: {stage}; " + ("unblinded" if fd.unblinded else "blinded: the mass value is not shown"))
    parts = [f"<p>{html.escape(status)}.</p>",
             "<h3>Distributions</h3>", *_distributions(fd, out, lumi),
             "<h3>Pulls and constraints</h3>", *_pulls(fd, out),
             "<h3>Impacts and correlations</h3>", *_ranked(fd, out)]
    prov = fd.result.get("provenance") or {}
    keep = {k: prov[k] for k in ("created", "git_commit", "config_hash", "wmass_version") if k in prov}
    parts.append("<p><small>Provenance: " + html.escape(", ".join(f"{k} {v}" for k, v in keep.items())) + "</small></p>")
    return section(fd.name, title, parts)


def _render(config: dict[str, Any], out: Path, fit_dir: Path, unblind_dir: Path) -> str:
    figures.style()
    gates = load_gates(unblind_dir)
    fits = [load_fit(fit_dir, name, gates) for name in registry.fit_names()]
    body = [
        section("summary", "Summary", [
            "<p>End-to-end reproduction of the CMS W-mass analysis (after CMS-PAS-SMP-23-002) on simulated "
            "events: private work, not a CMS result. Masses in MeV; a blinded mass is shown as "
            "\"blinded\" with its uncertainty only.</p>",
            tables.mass_table(fits), *_summary_figure(fits, out), _nonprompt(config, fits)]),
        section("gates", "Unblinding gates", [_gates_summary(gates), tables.gate_table(gates)]),
        section("impacts", "Impacts by group (MeV)", [
            "<h3>Nominal impacts</h3>", tables.impacts_table(fits, "impacts"),
            "<h3>Global impacts</h3>", tables.impacts_table(fits, "global_impacts")]),
        section("quality", "Fit quality", [
            "<h3>Goodness of fit (saturated model)</h3>", tables.gof_table(fits),
            "<h3>Fit status</h3>", tables.status_table(fits),
            "<h3>Nuisance parameters per group</h3>", tables.nuisance_table(fits)]),
        *[_fit_section(fd, out) for fd in fits],
    ]
    nav = [("summary", "Summary"), ("gates", "Gates"), ("impacts", "Impacts"), ("quality", "Fit quality")]
    nav += [(fd.name, fd.name) for fd in fits]
    return page("W-mass analysis report", nav, body)


def build_report(config: dict[str, Any], outdir: str | Path, fit_dir: str | Path, unblind_dir: str | Path) -> Path:
    """Write ``outdir/index.html`` and its figures, replacing ``outdir`` atomically; returns index.html's path."""
    out = Path(outdir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        (tmp / "index.html").write_text(_render(config, tmp, Path(fit_dir), Path(unblind_dir)), encoding="utf-8")
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out / "index.html"
