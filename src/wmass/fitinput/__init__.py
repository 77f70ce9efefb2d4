"""The fit-input stage: merged analysis histograms (``hists/{analysis}/{sample}.h5``) → fit input.

Modules: :mod:`~wmass.fitinput.options` (typed options from the ``fitinput`` config block),
:mod:`~wmass.fitinput.analyses` (an analysis' fit axes, the boson-tagged theory groups),
:mod:`~wmass.fitinput.samples` (reading, checking and normalising the files to the data luminosity),
:mod:`~wmass.fitinput.nuisances` (systematic histograms → nuisances, via ``wmass.histograms.groups``),
:mod:`~wmass.fitinput.assemble` (into :class:`wmass.fit.builder.FitInputBuilder`). Which fits exist,
their signals, POI boson, analysis, layout and fit region, and each process' boson and fit process,
are read from :mod:`wmass.registry`; nothing here imports the processors (:mod:`wmass.analyses`).
"""

from wmass.fitinput.assemble import MASS_POI, assemble_builder, assemble_fit_input
from wmass.fitinput.options import FitInputOptions, options_from_config

__all__ = ["MASS_POI", "FitInputOptions", "assemble_builder", "assemble_fit_input", "options_from_config"]
