"""The fit engine: binned profile likelihood in JAX (float64), identical to rabbit's default.

Modules: :mod:`~wmass.fit.inputs` (HDF5 format), :mod:`~wmass.fit.builder` (from hist objects),
:mod:`~wmass.fit.model` (likelihood), :mod:`~wmass.fit.hessian` (explicit exact Hessian),
:mod:`~wmass.fit.minimize`, :mod:`~wmass.fit.covariance`, :mod:`~wmass.fit.impacts`,
:mod:`~wmass.fit.toys`, :mod:`~wmass.fit.scan`, :mod:`~wmass.fit.results`, :mod:`~wmass.fit.driver`.
"""

from wmass.fit.builder import FitInputBuilder
from wmass.fit.covariance import FitError
from wmass.fit.driver import FitOptions, Fitter, precision, run_fit
from wmass.fit.inputs import Channel, FitInput, LogK, read_fit_input, write_fit_input
from wmass.fit.results import write_results

__all__ = ["Channel", "FitError", "FitInput", "FitInputBuilder", "FitOptions", "Fitter", "LogK",
           "precision", "read_fit_input", "run_fit", "write_fit_input", "write_results"]
