"""What a workflow run produced, stage by stage: the files a physicist opens next."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def summarise(cfg: Mapping[str, Any]) -> str:
    """A short text listing the outputs of every stage that has produced something."""
    out = ["wmass outputs:", "generate (NanoAOD + sidecar JSON):", *_generated(cfg)]
    report = Path(cfg["paths"]["report"]) / "index.html"
    fits = sorted(Path(cfg["paths"]["fit"]).glob("*/result.json"))
    if fits:
        out.append("fit results:")
        out.extend(f"  {f}" for f in fits)
    if report.is_file():
        out.append(f"report: {report}")
    return "\n".join(out)
