"""The analyses (DESIGN.md section 5): coffea processors for mw, W-like and dilepton.

One module per job: ``selection`` (the seeds' event selection), ``inputs`` (branches and the
missing-branch policy), ``fill`` (exact, fast filling), the systematic groups (``theory``,
``efficiency``, ``muonscale``), the processors (``mw``, ``wlike``, ``dilepton``) and ``runner``
(coffea executors). Which analyses exist, and which processor fills each, is declared in
:mod:`wmass.registry`; the histogram axes and the nuisance layout are :mod:`wmass.histograms`'.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from wmass import registry
from wmass.analyses.options import Options

if TYPE_CHECKING:
    from coffea import processor

__all__ = ["make_processor"]


def make_processor(analysis: str, options: Options) -> processor.ProcessorABC:
    """The processor of ``analysis`` (its registry entry's ``processor``) configured with ``options``."""
    module, _, name = registry.analysis(analysis).processor.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(options)
