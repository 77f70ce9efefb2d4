"""Entry point of the truth-level generator: one function per process, dispatched by name.

``params`` is the validated ``config["generator"]`` block (or the pseudo-data's deep-merged copy):
every physics parameter comes from it. All randomness comes from ``rng`` (wmass.rng.chunk_rng), so
the same generator state gives bit-identical events. gen_weight is the cross section per event in
pb (a chunk's weights sum to the process cross section); see wmass.generate.drellyan for the LO
cross sections and K-factors, wmass.generate.backgrounds for the other processes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from wmass.generate.backgrounds import generate_jpsi, generate_qcd, generate_rare, qcd_filter_efficiency
from wmass.generate.drellyan import DY_PROCESSES, dy_cross_section_pb, generate_dy
from wmass.truth import TruthEvents

__all__ = ["PROCESSES", "cross_section_pb", "generate_truth"]

_OTHER: dict[str, Callable[[int, int, np.random.Generator, Mapping[str, Any]], TruthEvents]] = {
    "rare": generate_rare, "qcd": generate_qcd, "jpsi": generate_jpsi}

#: Processes the truth generator knows.
PROCESSES = (*DY_PROCESSES, *_OTHER)


def _check(process: str) -> None:
    if process not in PROCESSES:
        raise ValueError(f"unknown process {process!r}; known: {', '.join(PROCESSES)}")


def generate_truth(process: str, n_events: int, first_event: int, rng: np.random.Generator,
                   params: Mapping[str, Any]) -> TruthEvents:
    """``n_events`` truth events of ``process`` numbered from ``first_event``."""
    _check(process)
    if n_events < 0 or first_event < 0:
        raise ValueError(f"n_events and first_event must be non-negative, got {n_events}, {first_event}")
    if process in DY_PROCESSES:
        return generate_dy(process, n_events, first_event, rng, params)
    return _OTHER[process](n_events, first_event, rng, params)


def cross_section_pb(process: str, params: Mapping[str, Any]) -> float:
    """Cross section (pb) of ``process`` as generated (= the sum of gen_weight of any chunk)."""
    _check(process)
    if process in DY_PROCESSES:
        return dy_cross_section_pb(process, params)
    if process == "qcd":  # after the generator-level muon filter
        return float(params["qcd"]["xsec_pb"]) * qcd_filter_efficiency(params["qcd"])
    return float(params[process]["xsec_pb"])
