"""What fitinput adds to the registry's fits: the fit axes of an analysis and the boson-tagged theory groups.

Which fits exist, their analysis, signals, POI boson and POI name, each analysis' layout (the
analysis whose ``fitinput.processes`` list it shares) and fit region, and each process' boson and
fit process (``qcd`` → ``nonprompt``) are declared in :mod:`wmass.registry`; the regions themselves
in :data:`wmass.histograms.binning.REGIONS`:

* mw: η 48 × pT 30 [26, 56] GeV × charge 2 (2880 bins) of the ``signal`` region of ``nominal``: the
  isolated (passIso = True) bin × the last mT bin (mT > 40 GeV); signals W⁺ → μ⁺ν and W⁻ → μ⁻ν̄;
  the POI is the W mass (``massShift``), which also moves W → τν → μννν.
* wlike, wlike_flipped: η 48 × pT 34 [26, 60] GeV × charge of the W-like selection (the two charge
  splits); signal Z → μμ, POI m_Z.
* dilepton: m_μμ 60 [60, 120] GeV × η of the more forward muon; signal Z → μμ, POI m_Z.

Which boson a process comes from decides how its boson-specific theory nuisances are named (W and Z
decorrelated).
"""

from __future__ import annotations

import hist

from wmass import registry
from wmass.histograms.binning import region_selection

__all__ = ["BOSON_GROUPS", "DATA", "channel_hist"]

#: Process name of the pseudo-data (and real data) samples.
DATA = "data"
#: Theory groups whose parameters belong to one boson (W and Z decorrelated, as CMS does); the other
#: theory groups (PDFs, QED FSR) and all muon groups are correlated between processes.
BOSON_GROUPS = ("width", "ptv", "angular")


def channel_hist(analysis: registry.Analysis, nominal: hist.Hist) -> hist.Hist:
    """The fit axes of the ``nominal`` histogram: its ``analysis.fit_region`` (all of it when None)."""
    if analysis.fit_region is None:
        return nominal
    region = nominal[region_selection(nominal, analysis.fit_region)]  # type: ignore[index]
    assert isinstance(region, hist.Hist)  # a region keeps the other axes
    return region
