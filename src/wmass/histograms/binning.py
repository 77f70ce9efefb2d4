"""Every histogram axis and region of the analyses, defined only here (DESIGN.md section 5).

The η bins are the muon η bins of :mod:`wmass.muon.binning`. Regions: the mw signal region is
isolated (relative isolation < :data:`ISO_MAX`) and mT > :data:`MT_MIN` (the last mT bin).

mw: η 48 × pT 30 in [26, 56] GeV × charge, plus isolation pass/fail × mT [0, 20, 40, ∞] for the
nonprompt (extended ABCD) regions. W-like: η 48 × pT 34 in [26, 60] GeV × charge. Dilepton:
m_μμ in [60, 120] GeV × η of the more forward muon. Axes are named; fills go by name.
Systematic ("tensor") axes are string categories whose first entry is always ``"nominal"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import hist
import numpy as np

from wmass.muon.binning import ETA_MAX, N_ETA_BINS

__all__ = [
    "HistAxis",
    "ISO_MAX",
    "MT_EDGES",
    "MT_MIN",
    "NOMINAL",
    "REGIONS",
    "region_selection",
    "charge_axis",
    "dilepton_axes",
    "eta_axis",
    "iso_axis",
    "mt_axis",
    "mu_charge_axis",
    "mw_axes",
    "other_eta_axis",
    "pt_axis",
    "syst_axis",
    "wlike_axes",
]

#: mT bin edges (GeV) of the nonprompt regions; the signal region is the last bin (mT > 40).
MT_EDGES = (0.0, 20.0, 40.0, np.inf)
#: Lower mT edge (GeV) of the mw signal region: the last mT bin.
MT_MIN = MT_EDGES[-2]
#: Isolation cut: relative PF isolation (ΔR = 0.4) below this passes (signal region, passIso = True).
ISO_MAX = 0.15
#: Name of the first entry of every systematic axis (the unvaried prediction).
NOMINAL = "nominal"
#: Named regions: (axis, value) pairs, each selecting the one bin of that axis holding the value.
#: ``signal``: the mw signal region, isolated and mT > MT_MIN (the nonprompt ABCD's region D).
REGIONS: dict[str, tuple[tuple[str, bool | float], ...]] = {"signal": (("passIso", True), ("mt", MT_MIN))}


class HistAxis(hist.axis.AxisProtocol, Protocol):
    """A ``hist`` axis (named, as ``hist.Hist`` takes it) with boost-histogram's ``size`` and ``index``.

    Every axis of this module is one (``hist.axis.AxesMixin`` alone has neither member). ``index`` is
    vectorised: an array of values gives an array of bin indices (boost-histogram types it per value).
    """

    @property
    def size(self) -> int: ...

    def index(self, value: Any, /) -> Any: ...


def eta_axis(name: str = "eta") -> hist.axis.Regular:
    """48 η bins of width 0.1 in [-2.4, 2.4]."""
    return hist.axis.Regular(N_ETA_BINS, -ETA_MAX, ETA_MAX, name=name, label=r"$\eta^{\mu}$")


def other_eta_axis() -> hist.axis.Integer:
    """Per-muon groups of two-muon events (W-like): −1 = the base muon's own entries, i = the other muon's η bin."""
    return hist.axis.Integer(-1, N_ETA_BINS, underflow=False, overflow=False, name="otherEta",
                             label=r"$\eta$ bin of the other muon (−1: the muon of the base axes)")


def mu_charge_axis() -> hist.axis.Integer:
    """Charge of a muon as a cell axis of per-muon groups (dilepton): bin 0 is q = −1, bin 1 is q = +1."""
    return hist.axis.Integer(0, 2, underflow=False, overflow=False, name="muCharge", label=r"$q^{\mu}$ bin")


def pt_axis(nbins: int, low: float, high: float) -> hist.axis.Regular:
    """Muon pT axis (1 GeV bins for the analyses' windows)."""
    return hist.axis.Regular(nbins, low, high, name="pt", label=r"$p_{T}^{\mu}$ (GeV)")


def charge_axis() -> hist.axis.Regular:
    """Muon charge: bin 0 is q = −1, bin 1 is q = +1."""
    return hist.axis.Regular(2, -2.0, 2.0, underflow=False, overflow=False, name="charge", label=r"$q^{\mu}$")


def iso_axis() -> hist.axis.Boolean:
    """Isolation pass (True: rel. iso < 0.15) or fail."""
    return hist.axis.Boolean(name="passIso", label="isolated")


def mt_axis() -> hist.axis.Variable:
    """mT bins [0, 20, 40, ∞] GeV of the extended ABCD method (no flow bins: mT ≥ 0 by construction)."""
    return hist.axis.Variable(MT_EDGES, underflow=False, overflow=False, name="mt", label=r"$m_{T}$ (GeV)")


def mw_axes() -> tuple[HistAxis, ...]:
    """The mw fit axes: η 48 × pT 30 [26, 56] × charge (2880 bins)."""
    return (eta_axis(), pt_axis(30, 26.0, 56.0), charge_axis())


def wlike_axes() -> tuple[HistAxis, ...]:
    """The W-like fit axes: η 48 × pT 34 [26, 60] × charge (3264 bins)."""
    return (eta_axis(), pt_axis(34, 26.0, 60.0), charge_axis())


def dilepton_axes() -> tuple[HistAxis, ...]:
    """The dilepton fit axes: m_μμ 60 bins of 1 GeV in [60, 120] × η of the more forward muon (48)."""
    mass = hist.axis.Regular(60, 60.0, 120.0, name="mll", label=r"$m_{\mu\mu}$ (GeV)")
    return (mass, eta_axis("etaFwd"))


def syst_axis(name: str, labels: Sequence[str]) -> hist.axis.StrCategory:
    """A systematic ("tensor") axis; ``labels[0]`` must be :data:`NOMINAL`."""
    if not labels or labels[0] != NOMINAL:
        raise ValueError(f"systematic axis {name!r} must start with {NOMINAL!r}, got {list(labels)[:3]}")
    return hist.axis.StrCategory(list(labels), name=name, label=name, growth=False)


def region_selection(h: hist.Hist, region: str) -> dict[str, int]:
    """The hist indexing dict (axis name → bin index) that selects ``region`` of :data:`REGIONS` in ``h``."""
    return {axis: int(h.axes[axis].index(value)) for axis, value in REGIONS[region]}
