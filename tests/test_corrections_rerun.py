"""Correction files are inputs of the histogram jobs: new content under the same path replans them.

`histogram.calibration.file` and `histogram.efficiency.file` (correctionlib JSON) are inputs of rule
`histogram`, and their content is part of the histogram (and fitinput) stage hash, a rule parameter.
The workflow test marks a whole tiny workflow as done without running it (every output created
empty, then `snakemake --touch --forceall`, which also records the rules' parameters), changes a
correction file and dry-runs: exactly the histogram jobs and what follows them are planned, by the
mtime trigger (the file is newer) and by the params trigger alone (new content, old mtime).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
from pathlib import Path

import correctionlib.schemav2 as cs
import pytest
import yaml
from click.testing import CliRunner

from tests.helpers import copy_workflow, planned_jobs
from wmass.analyses.efficiency import STEPS
from wmass.config import correction_files, sample_layout, stage_hash, validate_config

#: A time stamp older than every output (the params trigger alone must then see a change).
OLD = 946684800  # 2000-01-01


def _real(name: str) -> cs.Variable:
    return cs.Variable(name=name, type="real")


def calibration_json(scale: float = 1.0) -> str:
    """A valid calibration correctionlib file: pt_corrected = scale * pt, constant scale_sigma."""
    pt = cs.Correction(
        name="pt_corrected", version=1, inputs=[_real("pt"), _real("eta"), _real("charge")], output=_real("pt_corr"),
        data=cs.Formula(nodetype="formula", expression=f"x*{scale!r}", parser="TFormula", variables=["pt"]),
    )
    sigma = cs.Correction(
        name="scale_sigma", version=1, inputs=[_real("eta"), cs.Variable(name="param", type="string")],
        output=_real("sigma"),
        data=cs.Category(nodetype="category", input="param",
                         content=[cs.CategoryItem(key=p, value=1.0e-5) for p in ("A", "e", "M", "closure")]),
    )
    cset = cs.CorrectionSet(schema_version=2, description=f"test calibration x{scale}", corrections=[pt, sigma])
    return cset.model_dump_json(exclude_unset=True)


def efficiency_json(sf: float = 1.0) -> str:
    """A valid efficiency correctionlib file: constant sf_<step>, _stat and _syst of every step."""
    args = [_real("eta"), _real("pt"), _real("charge")]
    corrections = []
    for step in STEPS:
        corrections += [
            cs.Correction(name=f"sf_{step}", version=1, inputs=args, output=_real("sf"), data=sf),
            cs.Correction(name=f"sf_{step}_stat", version=1, inputs=[*args, _real("eigen")], output=_real("rel"), data=1e-3),
            cs.Correction(name=f"sf_{step}_syst", version=1, inputs=args, output=_real("rel"), data=2e-3),
        ]
    cset = cs.CorrectionSet(schema_version=2, description=f"test efficiency sf {sf}", corrections=corrections)
    return cset.model_dump_json(exclude_unset=True)


def deep_update(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        out[key] = deep_update(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


#: The run: tiny with several chunks per sample, both correction files (paths relative to the root).
OVERRIDE = {
    "size": "tiny",
    "sizes": {"tiny": {"max_chunk_events": 5000}},
    "histogram": {"calibration": {"file": "corrections/calib.json"}, "efficiency": {"file": "corrections/sf.json"}},
}


@pytest.fixture(scope="module")
def workflow(tmp_path_factory, tool_env):
    work = copy_workflow(tmp_path_factory.mktemp("corrections"))
    (work / "corrections").mkdir()
    (work / "corrections" / "calib.json").write_text(calibration_json())
    (work / "corrections" / "sf.json").write_text(efficiency_json())
    (work / "override.yaml").write_text(yaml.safe_dump(OVERRIDE))

    def smk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["snakemake", "--cores", "1", *args, "--configfile", "config/config.yaml", "override.yaml"],
            cwd=work, env=tool_env, capture_output=True, text=True, timeout=300,
        )

    return work, smk


def _set(path: Path, text: str, mtime: float | None = None) -> None:
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def _histogram_jobs(dry_run: str) -> set[tuple[str, str, int]]:
    """(analysis, sample, chunk) of the planned histogram jobs, from their outputs."""
    found = set()
    for block in dry_run.split("rule histogram:")[1:]:
        m = re.search(r"output: \S*?hists/(\w+)/(\w+)/(\d+)\.h5", block)
        found.add((m.group(1), m.group(2), int(m.group(3))))
    return found


def test_new_correction_content_replans_the_histogram_jobs_and_what_follows(workflow, base_config):
    work, smk = workflow
    cfg = validate_config(deep_update(base_config, OVERRIDE))
    # the override is deep-merged: the jobs read the configuration with every other key kept
    resolved_before = smk("-n")
    assert resolved_before.returncode == 0, resolved_before.stderr
    resolved = yaml.safe_load((work / "results" / "config.yaml").read_text())
    assert resolved == yaml.safe_load(yaml.safe_dump(cfg))
    assert correction_files(cfg, "histogram") == ["corrections/calib.json", "corrections/sf.json"]

    full = planned_jobs(resolved_before.stdout)
    # every chunk of every sample an analysis histograms (its merge jobs), from the config's layout
    summary = smk("--summary")
    assert summary.returncode == 0, summary.stderr
    rows = [line.split("\t") for line in summary.stdout.splitlines()[1:] if "\t" in line]
    merged = [re.fullmatch(r"\S*?hists/(\w+)/(\w+)\.h5", f) for f, _, rule, *_ in rows if rule == "merge"]
    expected = {(m.group(1), m.group(2), c) for m in merged for c in range(sample_layout(cfg, m.group(2)).chunks)}
    assert full["histogram"] == len(expected) > full["merge"] == len(merged)  # several chunks per sample
    assert full["generate"] == sum(sample_layout(cfg, s).chunks for s in cfg["samples"])
    rerun = {rule: n for rule, n in full.items() if rule != "generate"}

    # mark everything done without running it: create every output, then touch in DAG order
    for name, *_ in rows:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).touch()
    touched = smk("--touch", "--forceall")  # (had it left anything to do, step 1 would plan generate)
    assert touched.returncode == 0, touched.stderr[-3000:]

    calib, sf = work / "corrections" / "calib.json", work / "corrections" / "sf.json"
    # 1. new calibration, same path (mtime and params triggers): histogram and all after it, no generate
    _set(calib, calibration_json(1.001))
    res = smk("-n")
    assert planned_jobs(res.stdout) == rerun, res.stdout[-3000:]
    assert _histogram_jobs(res.stdout) == expected
    assert res.stdout.count("corrections/calib.json, corrections/sf.json") >= len(expected)  # inputs of each job
    # 2. the old content back with an old time stamp: nothing to do (the hash follows the content)
    _set(calib, calibration_json(), mtime=OLD)
    assert "Nothing to be done" in smk("-n").stdout
    # 3. new efficiency SFs with an old time stamp: the params trigger (config_hash) alone replans
    _set(sf, efficiency_json(0.99), mtime=OLD)
    res = smk("-n", "--rerun-triggers", "params")
    assert planned_jobs(res.stdout) == rerun, res.stdout[-3000:]
    assert "Nothing to be done" in smk("-n", "--rerun-triggers", "mtime").stdout


def test_missing_correction_file_stops_before_any_job(workflow):
    work, smk = workflow
    calib = work / "corrections" / "calib.json"
    text = calib.read_text()
    calib.unlink()
    try:
        res = smk("-n")
    finally:
        calib.write_text(text)
        os.utime(calib, (OLD, OLD))
    assert res.returncode != 0
    err = res.stdout + res.stderr
    assert "histogram.calibration.file" in err and "corrections/calib.json" in err and "does not exist" in err, err
    assert "Traceback" not in err


def test_merge_and_fitinput_check_the_hash_of_the_corrections(tmp_path, base_config):
    """Histogram chunks made with a calibration merge; after new content under the same path they are refused."""
    from tests.analyses.synth import write_nano
    from wmass.cli import cli
    from wmass.errors import InputError
    from wmass.fitinput.options import options_from_config
    from wmass.histograms.io import read_meta

    cfg = copy.deepcopy(base_config)
    cfg["size"] = "tiny"
    cfg["sizes"]["tiny"]["max_chunk_events"] = 5000  # wplus: 2 chunks
    cfg["histogram"]["systematics"] = {g: g in ("mass", "muon_scale") for g in cfg["histogram"]["systematics"]}
    calib = tmp_path / "calib.json"
    calib.write_text(calibration_json(1.001))
    cfg["histogram"]["calibration"]["file"] = str(calib)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    chunks = []
    for chunk in (0, 1):
        write_nano(tmp_path / f"nano{chunk}.root", 2000, seed=20 + chunk)
        chunks.append(str(tmp_path / f"mw_{chunk}.h5"))
        res = CliRunner().invoke(cli, ["histogram", "--config", str(config), "--analysis", "mw", "--sample", "wplus",
                                       "--chunk", str(chunk), "--input", str(tmp_path / f"nano{chunk}.root"),
                                       "--out", chunks[-1]])
        assert res.exit_code == 0, (res.output, res.exception)

    def merge():  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, ["merge", "--config", str(config), "--analysis", "mw", "--sample", "wplus",
                                        "--out", str(tmp_path / "mw.h5"), *chunks])

    res = merge()
    assert res.exit_code == 0, (res.output, res.exception)
    valid = validate_config(cfg)
    h = read_meta(tmp_path / "mw.h5")["config_hash"]
    assert h == stage_hash(valid, "histogram") == options_from_config(valid).histogram_hash
    calib.write_text(calibration_json(1.002))  # new calibration under the same path
    assert options_from_config(valid).histogram_hash != h  # fitinput would refuse the merged file
    res = merge()
    assert isinstance(res.exception, InputError) and "config_hash" in str(res.exception)
