"""What a workflow run produced, stage by stage: the files a physicist opens next."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wmass.blinding import stage_of_fit
from wmass.config import sample_layout

__all__ = ["summarise"]


def _generated(cfg: Mapping[str, Any]) -> list[str]:
    lines = []
    nano = Path(cfg["paths"]["nano"])
    for name in cfg["samples"]:
        lay = sample_layout(cfg, name)
        metas = [nano / name / f"{c}.json" for c in range(lay.chunks)]
        done = [m for m in metas if m.is_file() and (m.with_suffix(".root")).is_file()]
        events = sum(json.loads(m.read_text()).get("n_events", 0) for m in done)
        lines.append(f"  {name:10s} {len(done)}/{lay.chunks} chunks, {events} events  ({nano / name}/)")
    return lines


def _fits(cfg: Mapping[str, Any]) -> list[str]:
    """One line per fit: status, σ(mass) and, only once its stage is unblinded, the mass."""
    lines = []
    units = float(cfg["fitinput"]["mass_shift_mev"])
    for path in sorted(Path(cfg["paths"]["fit"]).glob("*/result.json")):
        fit = path.parent.name
        try:
            doc = json.loads(path.read_text())
            noi = [p for p in doc["parameters"] if p["kind"] == "noi"]
        except (json.JSONDecodeError, KeyError):
            lines.append(f"  {fit:14s} unreadable ({path})")
            continue
        stage = stage_of_fit(fit)
        unblinded = Path(cfg["paths"]["unblind"]) / str(stage) / "unblinded.json"
        results = json.loads(unblinded.read_text())["results"].get(fit, {}) if stage and unblinded.is_file() else {}
        for p in noi:
            r = results.get(p["name"])
            if stage is None:  # unblinded by declaration: the fitted shift as it is
                value = f"{p['name']} = {p['value'] * units:+.1f}"
            else:
                value = f"m = {r['mass_mev']:.1f}" if r else "m = blinded"
            lines.append(f"  {fit:14s} {value} ± {p['error'] * units:.1f} MeV, {doc['minimizer']['status']}, "
                         f"GoF p = {doc['gof']['p_value']:.3f}  ({path})")
    return lines


def _gates(cfg: Mapping[str, Any]) -> list[str]:
    lines = []
    for path in sorted(Path(cfg["paths"]["unblind"]).glob("*/gate.json")):
        gate = json.loads(path.read_text())
        failed = [c["name"] for c in gate["checks"] if not c["passed"]]
        lines.append(f"  {gate['stage']:14s} {gate['status']}" + (f" (failed: {'; '.join(failed)})" if failed else "")
                     + f"  ({path})")
    return lines


def summarise(cfg: Mapping[str, Any]) -> str:
    """A short text listing the outputs of every stage that has produced something."""
    out = ["wmass outputs:", "generate (NanoAOD + sidecar JSON):", *_generated(cfg)]
    report = Path(cfg["paths"]["report"]) / "index.html"
    fits = _fits(cfg)
    if fits:
        out.append("fits (masses stay blinded until their stage's gate opens):")
        out.extend(fits)
    gates = _gates(cfg)
    if gates:
        out.append("unblinding gates:")
        out.extend(gates)
    if report.is_file():
        out.append(f"report: {report}")
    return "\n".join(out)
