"""What the three analysis processors share: their options and how they read their inputs."""

from __future__ import annotations

from typing import Any

import awkward as ak
from coffea import processor

from wmass.analyses.inputs import MuonEvents, read_events
from wmass.analyses.options import THEORY_GROUPS, Options

__all__ = ["AnalysisProcessor"]


class AnalysisProcessor(processor.ProcessorABC):
    """Stateless processor base: ``Options`` fixes data/simulation, systematic groups and inputs.

    Subclasses set ``analysis``, whether they need pT^miss (``need_met``), the systematic groups
    that need the generator-matched muon (``gen_groups``), and implement ``process``.
    """

    analysis: str = ""
    need_met: bool = True
    gen_groups: tuple[str, ...] = ("muon_scale", "muon_resolution")

    def __init__(self, options: Options) -> None:
        self.options = options

    def read(self, events: ak.Array) -> tuple[ak.Array, MuonEvents]:
        """(events, their flat muon/event arrays that this analysis needs), the input policies applied.

        The events returned are those to use from here on: without the events dropped for a
        non-finite input when ``histogram.non_finite`` is ``drop`` (``MuonEvents.dropped`` counts them).
        """
        opts = self.options
        return read_events(
            events, analysis=self.analysis, is_mc=opts.is_mc, need_met=self.need_met, triggers=opts.triggers,
            trigger_bits=opts.trigger_bits, allow_missing=opts.allow_missing,
            need_gen=any(opts.on(g) for g in self.gen_groups), calibration_file=opts.calibration_file,
            weight_branches={g: opts.weight_branches[g] for g in THEORY_GROUPS if opts.on(g) and g in opts.weight_branches},
            non_finite=opts.non_finite,
        )

    def postprocess(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return accumulator
