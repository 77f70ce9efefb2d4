"""What the measurement consists of: its processes, analyses, fits and unblinding stages, declared only here.

Every list of names elsewhere (the CLI's choices, the Snakefile's targets and wildcards, the
blinding offsets, the gates, the report's sections and titles, the fit input's signals and POI)
is read from this module. Adding an analysis is one :class:`Analysis` entry plus its processor
module; adding a fit is one :class:`Fit` entry. A fit either belongs to an unblinding stage (its
nuisances of interest carry that stage's secret offset until the stage's gate opens) or is
*unblinded by declaration* (``stage=None``: calibration-type fits whose parameters are not the
measurement's masses and are shown as fitted).

Only the standard library and :mod:`wmass.constants`: the workflow and the CLI import this module
at start-up, so it must stay cheap (no numpy, hist or coffea).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from wmass import constants

__all__ = [
    "ANALYSES",
    "FITS",
    "PROCESSES",
    "STAGES",
    "Analysis",
    "Fit",
    "Process",
    "Reference",
    "RegistryError",
    "Stage",
    "analysis",
    "analysis_names",
    "fit",
    "fit_names",
    "process",
    "register",
    "stage",
    "stage_names",
    "stages_through",
]


_T = TypeVar("_T")


class RegistryError(ValueError):
    """An unknown or conflicting name."""


@dataclass(frozen=True)
class Process:
    """A physics process of the samples (``samples.<name>.process``).

    ``boson``: the vector boson it comes from (``"W"``/``"Z"``: it carries that boson's mass and
    boson-specific theory nuisances), else None. ``theory``: its simulation carries the generator's
    theory weight arrays (V-boson processes). ``fit_name``: the process it feeds in the fit.
    """

    name: str
    boson: str | None = None
    theory: bool = False
    fit_name: str | None = None

    @property
    def fit_process(self) -> str:
        """Name of the fit process fed by this simulated process."""
        return self.fit_name or self.name


@dataclass(frozen=True)
class Analysis:
    """An analysis: a coffea processor filling the histograms of one selection.

    ``processor`` is the import path ``"module:Class"`` (loaded only where histograms are filled).
    ``layout`` names the analysis whose process list (``fitinput.processes``) and fit axes it shares.
    ``fit_region`` names the region of :data:`wmass.histograms.binning.REGIONS` whose bins are fitted
    (None: the whole ``nominal`` histogram).
    """

    name: str
    processor: str
    layout: str
    title: str
    fit_region: str | None = None


@dataclass(frozen=True)
class Reference:
    """A reference mass (GeV) with its uncertainty, against which a finished stage is checked."""

    label: str
    mass_gev: float
    error_gev: float


@dataclass(frozen=True)
class Stage:
    """One unblinding stage: the boson it measures, the stage before it and the reference that stage meets.

    Its fits are those of :data:`FITS` that name it (:attr:`fits`).
    """

    name: str
    boson: str
    previous: str | None = None
    #: reference the *previous* stage's masses must be consistent with for this gate to open
    previous_reference: Reference | None = None

    @property
    def fits(self) -> tuple[str, ...]:
        """The fits this stage's gate opens, in report order."""
        return tuple(f.name for f in FITS.values() if f.stage == self.name)


@dataclass(frozen=True)
class Fit:
    """A profile-likelihood fit of one analysis' histograms.

    ``signals``: the processes whose yields the signal strength scales; ``boson``: the boson whose
    mass is the nuisance of interest ``poi``. ``stage``: the unblinding stage whose gate opens the
    fit (its blinding offset and its gate), or None when the fit is unblinded by declaration.
    """

    name: str
    analysis: str
    signals: tuple[str, ...]
    boson: str
    title: str
    stage: str | None
    poi: str = "massShift"

    @property
    def blinded(self) -> bool:
        """True when the fit's nuisances of interest are blinded until its stage's gate opens."""
        return self.stage is not None


LEP_MZ = Reference("m_Z(LEP)", constants.M_Z_LEP, constants.M_Z_LEP_ERR)
PDG_MZ = Reference("m_Z(PDG)", constants.M_Z, constants.M_Z_ERR)

#: The processes of the samples (DESIGN.md section 2).
PROCESSES: dict[str, Process] = {p.name: p for p in (
    Process("wplus", "W", theory=True),
    Process("wminus", "W", theory=True),
    Process("zmumu", "Z", theory=True),
    Process("wtaunu", "W", theory=True),
    Process("ztautau", "Z", theory=True),
    Process("rare"),
    Process("qcd", fit_name="nonprompt"),
    Process("jpsi"),
    Process("data"),
)}

#: The analyses (DESIGN.md section 5). ``wlike_flipped`` is the W-like analysis with the charge split
#: flipped (even events keep the other charge): the second, statistically complementary W-like m_Z.
ANALYSES: dict[str, Analysis] = {a.name: a for a in (
    Analysis("mw", "wmass.analyses.mw:MwProcessor", "mw", "m_W", fit_region="signal"),
    Analysis("wlike", "wmass.analyses.wlike:WlikeProcessor", "wlike", "W-like m_Z"),
    Analysis("wlike_flipped", "wmass.analyses.wlike:WlikeFlippedProcessor", "wlike",
             "W-like m_Z (flipped charge split)"),
    Analysis("dilepton", "wmass.analyses.dilepton:DileptonProcessor", "dilepton", "m_Z (dilepton)"),
)}

#: The fits, in the order the report shows them.
FITS: dict[str, Fit] = {f.name: f for f in (
    Fit("dilepton", "dilepton", ("zmumu",), "Z", ANALYSES["dilepton"].title, stage="dilepton"),
    Fit("wlike", "wlike", ("zmumu",), "Z", ANALYSES["wlike"].title, stage="wlike"),
    Fit("wlike_flipped", "wlike_flipped", ("zmumu",), "Z", ANALYSES["wlike_flipped"].title, stage="wlike"),
    Fit("mw", "mw", ("wplus", "wminus"), "W", ANALYSES["mw"].title, stage="mw"),
)}

#: The unblinding stages in order (DESIGN.md section 8): dilepton m_Z → W-like m_Z → m_W.
STAGES: tuple[Stage, ...] = (
    Stage("dilepton", "Z"),
    Stage("wlike", "Z", previous="dilepton", previous_reference=LEP_MZ),
    Stage("mw", "W", previous="wlike", previous_reference=PDG_MZ),
)


def _lookup(table: dict[str, _T], kind: str, name: str) -> _T:
    try:
        return table[name]
    except KeyError:
        raise RegistryError(f"no {kind} {name!r}; known: {', '.join(table)}") from None


def process(name: str) -> Process:
    """The process called ``name``."""
    return _lookup(PROCESSES, "process", name)


def analysis(name: str) -> Analysis:
    """The analysis called ``name``."""
    return _lookup(ANALYSES, "analysis", name)


def fit(name: str) -> Fit:
    """The fit called ``name``."""
    return _lookup(FITS, "fit", name)


def stage(name: str) -> Stage:
    """The unblinding stage called ``name``."""
    return _lookup({s.name: s for s in STAGES}, "unblinding stage", name)


def analysis_names() -> tuple[str, ...]:
    """Names of all analyses."""
    return tuple(ANALYSES)


def fit_names() -> tuple[str, ...]:
    """Names of all fits, in report order."""
    return tuple(FITS)


def stage_names() -> tuple[str, ...]:
    """Names of the unblinding stages, in order."""
    return tuple(s.name for s in STAGES)


def stages_through(last: str) -> list[Stage]:
    """The stages up to and including ``last`` (none for ``"none"``)."""
    if last == "none":
        return []
    names = stage_names()
    return list(STAGES[: names.index(stage(last).name) + 1])


def register(entry: Analysis | Fit) -> None:
    """Add an analysis or a fit (plugins and tests); its analysis and stage must exist, its name must not."""
    if isinstance(entry, Analysis):
        if entry.name in ANALYSES:
            raise RegistryError(f"analysis {entry.name!r} exists already")
        ANALYSES[entry.name] = entry
        return
    if entry.name in FITS:
        raise RegistryError(f"fit {entry.name!r} exists already")
    analysis(entry.analysis)
    if entry.stage is not None:
        stage(entry.stage)
    FITS[entry.name] = entry

