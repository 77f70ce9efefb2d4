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


def test_a_registered_fit_declared_unblinded_runs_end_to_end(declared_unblinded_fit, tiny_workflow_run, tmp_path):
    """One registry entry is all a new fit needs: its fit input is built from its analysis' histograms, the
    fit writes its nuisance of interest as fitted, and the report shows it. On the dilepton histograms of
    the shared tiny run it measures the same raw m_Z shift as the (blinded) dilepton fit: that value minus
    the dilepton stage's secret offset."""
    import json

    from click.testing import CliRunner

    from wmass.blinding import noi_offset
    from wmass.cli.fit import fit
    from wmass.config import load_config
    from wmass.fit.inputs import write_fit_input
    from wmass.fitinput import assemble_fit_input, options_from_config
    from wmass.histograms.io import read_meta
    from wmass.report.load import load_fit, load_gates

    work = tiny_workflow_run
    config = work / "results" / "config.yaml"
    cfg = load_config(config)
    name = declared_unblinded_fit.name
    files = {read_meta(p)["sample"]: str(p) for p in sorted((work / "hists" / "dilepton").glob("*.h5"))}
    process_of = {s: spec["process"] for s, spec in cfg["samples"].items()}
    fi = assemble_fit_input(name, files, process_of, options_from_config(cfg))
    assert fi.provenance["fit"] == name and fi.provenance["analysis"] == "dilepton"
    fit_dir = tmp_path / "fit"
    (fit_dir / name).mkdir(parents=True)
    write_fit_input(fi, fit_dir / name / "input.h5")
    res = CliRunner().invoke(fit, [str(fit_dir / name / "input.h5"), "--config", str(config), "-o", str(fit_dir / name)])
    assert res.exit_code == 0, (res.output, res.exception)
    assert "unblinded by declaration" in res.output

    doc = json.loads((fit_dir / name / "result.json").read_text())
    assert not doc["blinded"] and doc["blinded_parameters"] == []
    (mine,) = [p for p in doc["parameters"] if p["kind"] == "noi"]
    blind = json.loads((work / "fit" / "dilepton" / "result.json").read_text())
    (theirs,) = [p for p in blind["parameters"] if p["kind"] == "noi"]
    offset = noi_offset(cfg["blinding"], "dilepton", float(cfg["fitinput"]["mass_shift_mev"]))("massShift")
    assert theirs["blinded"] and abs(offset) > 0.4  # at least ±50 MeV in units of 100 MeV
    assert mine["value"] == pytest.approx(theirs["value"] - offset, abs=1e-7)
    assert mine["error"] == pytest.approx(theirs["error"], rel=1e-7)

    shown = load_fit(fit_dir, name, load_gates(tmp_path / "unblind"))
    assert shown.present and mine["name"] not in shown.hidden
    assert shown.unblinded[mine["name"]]["shift_mev"] == pytest.approx(mine["value"] * 100.0)


def test_snakemake_dry_run_does_not_load_the_event_stack(tmp_path, tool_env):
    """Planning the workflow (snakemake -n, which runs the Snakefile in its own process) imports wmass's registry
    and configuration but neither coffea, awkward, numba nor uproot: `python -X importtime` lists every import."""
    from tests.helpers import copy_workflow

    work = copy_workflow(tmp_path)
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--config", "size=tiny"],
                         cwd=work, env=tool_env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines() if line.startswith("import time:")}
    assert "wmass.registry" in imported
    assert not imported & {"coffea", "awkward", "numba", "uproot", "wmass.analyses"}
