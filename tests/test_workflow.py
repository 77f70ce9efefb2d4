"""The Snakemake spine: lint, dry-run, config refusal, a full tiny run and partial reruns."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import copy_workflow, planned_jobs
from wmass import registry
from wmass.config import sample_layout, validate_config
from wmass.histograms.io import read_hists


def snakemake(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["snakemake", "--cores", "2", *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=1800
    )


@pytest.fixture(scope="module")
def tiny_config(base_config) -> dict:
    return validate_config({**base_config, "size": "tiny"})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return copy_workflow(tmp_path_factory.mktemp("workflow"))


def test_lint_is_clean(workdir, tool_env):
    res = snakemake(workdir, tool_env, "--lint")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Congratulations" in res.stdout + res.stderr


ANALYSES = ("dilepton", "wlike", "wlike_flipped", "mw")
#: The configuration of the session's tiny run (conftest.py): tiny and blinded (no gate runs).
TINY_BLINDED = ("--config", "size=tiny", "unblinding={through: none}")


def analysed_samples(cfg: dict, analysis: str) -> list[str]:
    wanted = set(cfg["fitinput"]["processes"][registry.analysis(analysis).layout]) | {"data"}
    return [s for s in cfg["samples"] if cfg["samples"][s]["process"] in wanted]


def test_dry_run_lists_the_expected_jobs(workdir, tool_env, tiny_config):
    res = snakemake(workdir, tool_env, "-n", "--config", "size=tiny")
    assert res.returncode == 0, res.stderr
    jobs = planned_jobs(res.stdout)
    chunks = {s: sample_layout(tiny_config, s).chunks for s in tiny_config["samples"]}
    assert jobs["generate"] == sum(chunks.values())
    assert jobs["histogram"] == sum(chunks[s] for a in ANALYSES for s in analysed_samples(tiny_config, a))
    assert jobs["merge"] == sum(len(analysed_samples(tiny_config, a)) for a in ANALYSES)
    assert jobs["fitinput"] == jobs["fit"] == len(ANALYSES)
    # the gates in unblinding order (through mw by default), then one report
    assert jobs["unblind_dilepton"] == jobs["unblind_wlike"] == jobs["unblind_mw"] == 1
    assert jobs["report"] == jobs["all"] == 1
    res = snakemake(workdir, tool_env, "-n", "--config", "size=tiny", "unblinding={through: dilepton}")
    jobs = planned_jobs(res.stdout)
    assert jobs["unblind_dilepton"] == 1 and "unblind_wlike" not in jobs and "unblind_mw" not in jobs


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"samples": {"wplus": {"process": "wplus", "events": -10}}}, "samples.wplus.events"),
        ({"seed": "abc"}, "seed"),
        ({"samples": {"wprime": {"process": "wprime", "events": 10}}}, "samples.wprime.process"),
        ({"size": "enormous"}, "size"),
    ],
)
def test_bad_config_stops_before_any_job(tmp_path, tool_env, override, key):
    work = copy_workflow(tmp_path)
    extra = tmp_path / "override.yaml"
    extra.write_text(yaml.safe_dump(override))
    res = snakemake(work, tool_env, "--configfile", "config/config.yaml", str(extra))
    assert res.returncode != 0
    text = res.stdout + res.stderr
    assert key.rsplit(".", 1)[-1] in text and key.split(".")[0] in text, text
    assert not (work / "data").exists() and not (work / "logs").exists()


@pytest.fixture(scope="module")
def tiny_run(tiny_workflow_run):
    """The whole tiny workflow (run once per session, see conftest.py)."""
    return tiny_workflow_run


def test_tiny_workflow_runs_end_to_end(tiny_run, tiny_config, tool_env):
    for sample in tiny_config["samples"]:
        lay = sample_layout(tiny_config, sample)
        for chunk in range(lay.chunks):
            root = tiny_run / "data" / "nano" / sample / f"{chunk}.root"
            meta = json.loads(root.with_suffix(".json").read_text())
            assert root.stat().st_size > 0
            assert meta["n_events"] > 0 or sample == "data"
            assert (tiny_run / "logs" / "generate" / sample / f"{chunk}.benchmark.tsv").is_file()
    for analysis in ANALYSES:
        for sample in analysed_samples(tiny_config, analysis):
            hists, meta = read_hists(tiny_run / "hists" / analysis / f"{sample}.h5")
            assert meta["chunks"] == sample_layout(tiny_config, sample).chunks
            assert "nominal" in hists
        result = json.loads((tiny_run / "fit" / analysis / "result.json").read_text())
        assert result["minimizer"]["status"] == "converged"
        assert (tiny_run / "fit" / analysis / "cov.h5").is_file()
    # the signal sample fills the mw signal region
    hists, _ = read_hists(tiny_run / "hists" / "mw" / "wplus.h5", names=["nominal"])
    assert hists["nominal"].sum().value > 0
    assert (tiny_run / "report" / "index.html").is_file()
    assert not (tiny_run / "unblind").exists()  # blinded run: no gate ran
    # nothing left to do after a complete run
    res = snakemake(tiny_run, tool_env, "-n", *TINY_BLINDED)
    assert "Nothing to be done" in res.stdout + res.stderr


def test_partial_rerun_touches_only_what_depends_on_it(tiny_run, tool_env, tiny_config):
    victim = tiny_run / "data" / "nano" / "zmumu" / "0.root"
    victim.unlink()
    res = snakemake(tiny_run, tool_env, "-n", *TINY_BLINDED)
    # one chunk regenerated, then re-histogrammed, re-merged and refitted by each analysis
    n = len(ANALYSES)
    per_analysis = {"generate": 1, "histogram": n, "merge": n, "fitinput": n, "fit": n, "report": 1, "all": 1}
    assert planned_jobs(res.stdout) == per_analysis
    assert "data/nano/zmumu/0.root" in res.stdout
    res = snakemake(tiny_run, tool_env, "-n", *TINY_BLINDED, "--forcerun", "merge")
    jobs = planned_jobs(res.stdout)
    assert jobs["merge"] == sum(len(analysed_samples(tiny_config, a)) for a in ANALYSES)
    assert jobs["histogram"] == n and jobs["generate"] == 1  # only the deleted chunk's chain upstream
    res = snakemake(tiny_run, tool_env, "-n", *TINY_BLINDED, "--until", "generate")
    assert planned_jobs(res.stdout) == {"generate": 1}
    res = snakemake(tiny_run, tool_env, *TINY_BLINDED)
    assert res.returncode == 0 and victim.is_file()
