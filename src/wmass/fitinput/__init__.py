"""The fit-input stage: merged analysis histograms (``hists/{analysis}/{sample}.h5``) → fit input.

Modules: :mod:`~wmass.fitinput.options` (typed options from the ``fitinput`` config block),
:mod:`~wmass.fitinput.analyses` (channel, signals, POI boson of each analysis),
:mod:`~wmass.fitinput.samples` (reading, checking and normalising the files to the data luminosity),
:mod:`~wmass.fitinput.nuisances` (systematic histograms → nuisances, via ``wmass.histograms.groups``),
:mod:`~wmass.fitinput.compact` (a memory-lean FitInputBuilder), :mod:`~wmass.fitinput.assemble`.
"""

from wmass.fitinput.assemble import MASS_POI, assemble_builder, assemble_fit_input
from wmass.fitinput.options import FitInputOptions, options_from_config

__all__ = ["MASS_POI", "FitInputOptions", "assemble_builder", "assemble_fit_input", "options_from_config"]
