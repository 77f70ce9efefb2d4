"""What each analysis fits: its channel (the fit axes of the ``nominal`` histogram), signals and POI boson.

* mw: η 48 × pT 30 [26, 56] GeV × charge 2 (2880 bins) of the signal region of ``nominal``: the
  isolated (passIso = True) bin × the last mT bin (mT > 40 GeV); signals W⁺ → μ⁺ν and W⁻ → μ⁻ν̄;
  the POI is the W mass (``massShift``), which also moves W → τν → μννν.
* wlike, wlike_flipped: η 48 × pT 34 [26, 60] GeV × charge of the W-like selection (the two charge
  splits); signal Z → μμ, POI m_Z.
* dilepton: m_μμ 60 [60, 120] GeV × η of the more forward muon; signal Z → μμ, POI m_Z.

The simulated ``qcd`` sample (nonprompt muons from heavy-flavour decays) enters as the process
``nonprompt``; which boson a process comes from decides how its boson-specific theory nuisances are
named (W and Z decorrelated).
"""

from __future__ import annotations

from dataclasses import dataclass

import hist

from wmass.histograms.binning import MT_MIN

__all__ = ["BOSON", "BOSON_GROUPS", "DATA", "NONPROMPT", "SPECS", "AnalysisSpec", "fit_process"]

#: Process name of the pseudo-data (and real data) samples.
DATA = "data"
#: Fit process fed by the ``qcd`` simulation (until the data-driven extended ABCD exists).
NONPROMPT = "nonprompt"
#: Boson of each V-boson process: tags its boson-specific theory nuisances and its mass variation.
BOSON = {"wplus": "W", "wminus": "W", "wtaunu": "W", "zmumu": "Z", "ztautau": "Z"}
#: Theory groups whose parameters belong to one boson (W and Z decorrelated, as CMS does); the other
#: theory groups (PDFs, QED FSR) and all muon groups are correlated between processes.
BOSON_GROUPS = ("width", "ptv", "angular")


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis' fit: channel name, signal processes and the boson whose mass is the POI."""

    name: str
    signals: tuple[str, ...]
    poi_boson: str

    def channel_hist(self, nominal: hist.Hist) -> hist.Hist:
        """The fit axes of the ``nominal`` histogram (mw: its signal region, isolated and mT > 40 GeV)."""
        if self.name != "mw":
            return nominal
        return nominal[{"passIso": hist.loc(True), "mt": nominal.axes["mt"].index(MT_MIN)}]


SPECS: dict[str, AnalysisSpec] = {
    "mw": AnalysisSpec("mw", ("wplus", "wminus"), "W"),
    "wlike": AnalysisSpec("wlike", ("zmumu",), "Z"),
    "wlike_flipped": AnalysisSpec("wlike_flipped", ("zmumu",), "Z"),
    "dilepton": AnalysisSpec("dilepton", ("zmumu",), "Z"),
}


def fit_process(process: str) -> str:
    """Name of the fit process fed by the simulated ``process`` (``qcd`` → ``nonprompt``)."""
    return NONPROMPT if process == "qcd" else process
