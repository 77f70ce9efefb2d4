"""HTML tables of the report: mass results, impacts by group, nuisances per group, goodness of fit,
fit status and the unblinding gates. Each function returns an HTML string (escaped text).

Masses and impacts are in MeV: a noi in units of ``FitData.units_mev`` (100 MeV for massShift).
A noi's central value comes only from its stage's unblinded.json; otherwise the cell says "blinded".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from wmass import registry
from wmass.report.load import FitData, Gate

__all__ = ["table", "fmt", "mass_table", "impacts_table", "nuisance_table", "gof_table", "status_table",
           "gate_table", "group_pull_table", "group_pull_summary", "title"]


def title(fit: str) -> str:
    """What ``fit`` measures (its registry title; the name itself for a fit the registry does not know)."""
    return registry.FITS[fit].title if fit in registry.FITS else fit


def fmt(v: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals; "–" for None or NaN."""
    if v is None or not np.isfinite(v):
        return "–"
    return f"{v:.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    """An HTML table (all cells escaped; a cell given as ("raw", html) is inserted as is)."""
    def cell(c: Any, tag: str) -> str:
        if isinstance(c, tuple) and len(c) == 2 and c[0] == "raw":
            return f"<{tag}>{c[1]}</{tag}>"
        return f"<{tag}>{html.escape(str(c))}</{tag}>"
    head = "".join(cell(h, "th") for h in header)
    body = "\n".join("<tr>" + "".join(cell(c, "td") for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>'


def _noi_params(fd: FitData) -> list[dict[str, Any]]:
    return [p for p in fd.parameters() if p.get("kind") == "noi"]


def mass_table(fits: Sequence[FitData]) -> str:
    """Per fit and noi: measured mass and shift (unblinded) or "blinded", its uncertainty, expected uncertainty."""
    rows = []
    for fd in fits:
        if not fd.present:
            rows.append([fd.name, title(fd.name), "–", "not run", "–", "–", "–"])
            continue
        asimov = (fd.result.get("asimov") or {}).get("errors", {})
        for p in _noi_params(fd):
            u = fd.unblinded.get(p["name"])
            err = p["error"] * fd.units_mev
            exp = asimov.get(p["name"])
            if u is not None:
                mass, shift = fmt(u["mass_mev"]), f"{u['shift_mev']:+.1f}"
                err = u["error_mev"]
            else:
                mass, shift = "blinded", "blinded"
            rows.append([fd.name, title(fd.name), p["name"], mass, shift, fmt(err),
                         fmt(None if exp is None else exp * fd.units_mev)])
    return table(["Fit", "Measures", "Parameter", "Mass (MeV)", "Shift from reference (MeV)", "Uncertainty (MeV)",
                  "Expected uncertainty (MeV, Asimov)"], rows, "masses")


def _impact_groups(fd: FitData, key: str, target: str) -> dict[str, float]:
    """Group impacts (MeV) on ``target`` without the groups made only of targets (they equal the total)."""
    imp = ((fd.result.get(key) or {}).get(target)) or {}
    own = {g for g, members in fd.groups.items() if set(members) <= set(fd.targets())}
    return {g: v * fd.units_mev for g, v in imp.items() if g not in own and g != target}


def impacts_table(fits: Sequence[FitData], key: str = "impacts") -> str:
    """Impacts by group on each fit's mass noi (MeV): ``key`` "impacts" (nominal) or "global_impacts"."""
    cols, data = [], []
    for fd in fits:
        if not fd.present:
            continue
        for p in _noi_params(fd):
            cols.append((fd, p))
            data.append(_impact_groups(fd, key, p["name"]))
    groups = sorted({g for d in data for g in d}, key=lambda g: -max(d.get(g, 0.0) for d in data))
    rows = [["Total"] + [fmt(p["error"] * fd.units_mev) for fd, p in cols]]
    rows += [[g] + [fmt(d.get(g), 2) for d in data] for g in groups]
    header = ["Group"] + [f"{title(fd.name)} [{fd.name}]" for fd, _ in cols]
    return table(header, rows, "impacts")


def nuisance_table(fits: Sequence[FitData]) -> str:
    """Number of parameters per systematic group in each fit's input."""
    have = [fd for fd in fits if fd.groups]
    groups = sorted({g for fd in have for g in fd.groups})
    rows: list[list[str | int]] = [[g, *(len(fd.groups.get(g, ())) or "–" for fd in have)] for g in groups]
    rows.append(["Total"] + [sum(len(v) for v in fd.groups.values()) for fd in have])
    return table(["Group"] + [fd.name for fd in have], rows, "nuisances")


def gof_table(fits: Sequence[FitData]) -> str:
    """Saturated-model χ² (2 × reduced NLL), ndf and p-value."""
    rows = []
    for fd in fits:
        g = fd.result.get("gof") if fd.present else None
        if g is None:
            rows.append([fd.name, "–", "–", "–", "not run" if not fd.present else "–"])
            continue
        rows.append([fd.name, fmt(g["chi2"]), g["ndf"], fmt(g["chi2"] / max(g["ndf"], 1), 3), f"{g['p_value']:.3g}"])
    return table(["Fit", "χ²", "ndf", "χ²/ndf", "p-value"], rows, "gof")


def status_table(fits: Sequence[FitData]) -> str:
    """Minimiser status, EDM, iterations, parameters and fit time."""
    rows: list[list[Any]] = []
    for fd in fits:
        if not fd.present:
            rows.append([fd.name, "not run", "–", "–", "–", "–"])
            continue
        m = fd.result.get("minimizer", {})
        t = fd.result.get("timings", {})
        rows.append([fd.name, m.get("status", "–"), f"{m.get('edm', float('nan')):.2g}", m.get("iterations", "–"),
                     len(fd.parameters()), fmt(sum(float(v) for v in t.values()), 1) if t else "–"])
    return table(["Fit", "Status", "EDM", "Iterations", "Parameters", "Time (s)"], rows, "status")


def gate_table(gates: dict[str, Gate]) -> str:
    """Each unblinding gate: status, who/when, and each check passed or failed with its detail."""
    rows: list[list[Any]] = []
    for g in gates.values():
        doc = g.gate or {}
        checks = doc.get("checks", [])
        head = [g.stage, ", ".join(g.fits), ("raw", f'<span class="st-{html.escape(g.status.replace(" ", "-"))}">'
                                                    f"{html.escape(g.status)}</span>"),
                f"{doc.get('when', '–')} {doc.get('who', '')}".strip()]
        if not checks:
            rows.append(head + ["–", "–", "–"])
        for k, c in enumerate(checks):
            mark = ("raw", '<span class="pass">passed</span>' if c.get("passed") else '<span class="fail">failed</span>')
            rows.append((head if k == 0 else ["", "", "", ""]) + [c.get("name", ""), mark, c.get("detail", "")])
    return table(["Stage", "Fits", "Status", "When / who", "Check", "Result", "Detail"], rows, "gates")


def group_pull_summary(fd: FitData) -> list[tuple[str, int, float, float, float]]:
    """Per group of constrained nuisances (hidden parameters excluded): (group, n, mean pull, RMS pull, mean constraint)."""
    by_name = {p["name"]: p for p in fd.parameters() if "pull" in p and p["name"] not in fd.hidden}
    out = []
    for g, members in sorted(fd.groups.items()):
        ps = [by_name[m] for m in members if m in by_name]
        if not ps:
            continue
        pull = np.array([p["pull"] for p in ps])
        con = np.array([p["constraint"] for p in ps])
        out.append((g, len(ps), float(pull.mean()), float(np.sqrt(np.mean(pull**2))), float(con.mean())))
    return out


def group_pull_table(fd: FitData) -> str:
    """Table of :func:`group_pull_summary`."""
    rows = [[g, n, f"{m:+.2f}", f"{r:.2f}", f"{c:.2f}"] for g, n, m, r, c in group_pull_summary(fd)]
    return table(["Group", "Constrained nuisances", "Mean pull", "RMS pull", "Mean constraint"], rows, "pulls")
