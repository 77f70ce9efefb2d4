"""The HTML report of the analysis (``wmass report``): figures and tables of the fits and the unblinding gates."""

from wmass.report.build import build_report

__all__ = ["build_report"]
