"""The registry (wmass.registry) is the one list of processes, analyses, fits and unblinding stages.

Everything that names them reads it: the CLI's choices, the workflow's targets, blinding, the gates
and the report. These tests state that, and that the configuration schema agrees with it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from wmass import registry
from wmass.config import schema


def test_every_fit_names_an_analysis_and_a_stage_or_none():
    for f in registry.FITS.values():
        assert registry.analysis(f.analysis).name == f.analysis
        assert f.stage is None or f.stage in registry.stage_names()
        for s in f.signals:
            assert registry.process(s).boson == f.boson


def test_stages_open_their_fits_in_order():
    assert registry.stage_names() == ("dilepton", "wlike", "mw")
    assert registry.stage("wlike").fits == ("wlike", "wlike_flipped")
    for st in registry.STAGES[1:]:
        assert st.previous in registry.stage_names()
        assert registry.stage_names().index(st.previous) < registry.stage_names().index(st.name)
    assert [s.name for s in registry.stages_through("wlike")] == ["dilepton", "wlike"]
    assert registry.stages_through("none") == []


def test_unknown_names_are_refused_with_the_known_ones():
    with pytest.raises(registry.RegistryError, match="no fit 'nope'; known: dilepton"):
        registry.fit("nope")
    with pytest.raises(registry.RegistryError, match="no analysis"):
        registry.analysis("jpsi_typo")


def test_schema_agrees_with_the_registry():
    """The schema's process enum and the fitinput.processes keys are the registry's processes and layouts."""
    props = schema()["properties"]
    enum = props["samples"]["additionalProperties"]["properties"]["process"]["enum"]
    assert set(enum) == set(registry.PROCESSES)
    layouts = {a.layout for a in registry.ANALYSES.values()}
    assert set(props["fitinput"]["properties"]["processes"]["properties"]) == layouts


def test_every_analysis_has_its_processor():
    from wmass.analyses import make_processor
    from wmass.analyses.options import Options

    for name in registry.analysis_names():
        assert make_processor(name, Options()).__class__.__name__ == registry.analysis(name).processor.split(":")[1]


def test_cli_choices_come_from_the_registry():
    from wmass.cli.histogram import histogram
    from wmass.cli.unblind import unblind

    choice = {p.name: p for p in histogram.params}["analysis"].type.choices
    assert tuple(choice) == registry.analysis_names()
    assert tuple({p.name: p for p in unblind.params}["stage_name"].type.choices) == registry.stage_names()


def test_cli_and_workflow_planning_do_not_load_the_event_stack():
    """`wmass --help` and everything the Snakefile imports stay free of coffea, awkward and numba."""
    code = ("import sys; from wmass.cli import cli; import wmass.unblinding, wmass.config, wmass.registry; "
            "print(sorted(m for m in ('coffea', 'awkward', 'numba', 'uproot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture
def declared_unblinded_fit():
    """A calibration-type fit registered for one test: the dilepton histograms, no unblinding stage."""
    fit = registry.Fit("zscale_check", "dilepton", ("zmumu",), "Z", "Z scale check (declared unblinded)", stage=None)
    registry.register(fit)
    yield fit
    del registry.FITS[fit.name]


def test_register_refuses_duplicates_and_dangling_names(declared_unblinded_fit):
    with pytest.raises(registry.RegistryError, match="exists already"):
        registry.register(declared_unblinded_fit)
    with pytest.raises(registry.RegistryError, match="no analysis"):
        registry.register(registry.Fit("x", "no_such_analysis", ("zmumu",), "Z", "x", stage=None))
    with pytest.raises(registry.RegistryError, match="no unblinding stage"):
        registry.register(registry.Fit("y", "dilepton", ("zmumu",), "Z", "y", stage="no_such_stage"))


def test_a_registered_fit_joins_the_report_and_is_not_blinded(declared_unblinded_fit):
    from wmass.blinding import fit_offset, stage_of_fit

    assert declared_unblinded_fit.name in registry.fit_names()
    assert not declared_unblinded_fit.blinded
    assert stage_of_fit(declared_unblinded_fit.name) is None
    assert fit_offset({"secret": "s", "range_mev": 100.0}, declared_unblinded_fit.name, 100.0) is None
    # the stage's fits are unchanged by a fit without a stage; an unknown fit stays blinded (fail-safe)
    assert registry.stage("dilepton").fits == ("dilepton",)
    assert stage_of_fit("never_registered") == "never_registered"
    assert fit_offset({"secret": "s", "range_mev": 100.0}, "never_registered", 100.0) is not None
