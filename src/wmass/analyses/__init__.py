"""The analyses (DESIGN.md section 5): coffea processors for mw, W-like and dilepton.

One module per job: ``selection`` (the seeds' event selection), ``binning`` (every axis),
``inputs`` (branches and the missing-branch policy), ``fill`` (exact, fast filling), the
systematic groups (``theory``, ``efficiency``, ``muonscale``, ``groups``), the processors (``mw``,
``wlike``, ``dilepton``) and ``runner`` (coffea executors).
"""

from __future__ import annotations

from coffea import processor

from wmass.analyses.options import Options

__all__ = ["ANALYSES", "base_analysis", "make_processor"]

#: Analysis names, as used by the CLI and the workflow. ``wlike_flipped`` is the W-like analysis with
#: the charge split flipped (even events keep the other charge): the second, statistically
#: complementary W-like m_Z measurement of the sequential unblinding.
ANALYSES = ("mw", "wlike", "wlike_flipped", "dilepton")


def base_analysis(analysis: str) -> str:
    """The analysis whose processes and fit layout ``analysis`` shares (``wlike_flipped`` → ``wlike``)."""
    return "wlike" if analysis == "wlike_flipped" else analysis


def make_processor(analysis: str, options: Options) -> processor.ProcessorABC:
    """The processor of ``analysis`` configured with ``options``."""
    if analysis == "mw":
        from wmass.analyses.mw import MwProcessor

        return MwProcessor(options)
    if analysis in ("wlike", "wlike_flipped"):
        from wmass.analyses.wlike import WlikeFlippedProcessor, WlikeProcessor

        return (WlikeProcessor if analysis == "wlike" else WlikeFlippedProcessor)(options)
    if analysis == "dilepton":
        from wmass.analyses.dilepton import DileptonProcessor

        return DileptonProcessor(options)
    raise ValueError(f"unknown analysis {analysis!r}; choose one of {ANALYSES}")
