"""Blinding and the sequential unblinding on the tiny workflow: no leak, the gates, resuming a run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import TINY_BLINDED_CONFIG, planned_jobs
from wmass import constants, registry
from wmass.blinding import noi_offset, stage_of_fit
from wmass.config import load_config

FITS = registry.fit_names()
TEXT_SUFFIXES = {".json", ".log", ".html", ".yaml", ".txt", ".tsv", ".md", ".css", ".js", ".svg"}


def snakemake(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["snakemake", "--profile", "profiles/ci", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=1800)


def blinded_numbers(work: Path) -> dict[str, dict[str, float]]:
    """Per fit: its raw mass shift, the offset and the measured mass, from the blinded result and the secret."""
    cfg = load_config(work / "results" / "config.yaml")
    units = cfg["fitinput"]["mass_shift_mev"]
    out = {}
    for fit in FITS:
        doc = json.loads((work / "fit" / fit / "result.json").read_text())
        (p,) = [p for p in doc["parameters"] if p["kind"] == "noi"]
        assert p["blinded"] and doc["blinded"]
        off = noi_offset(cfg["blinding"], stage_of_fit(fit), units)(p["name"])
        is_w = registry.fit(fit).boson == "W"
        nominal = (cfg["generator"]["w" if is_w else "z"]["mass_gev"] or (constants.M_W if is_w else constants.M_Z)) * 1e3
        out[fit] = {"raw": p["value"] - off, "offset": off, "units": units, "nominal_mev": nominal}
    return out


def needles(n: dict[str, float]) -> tuple[list[str], list[str], list[bytes]]:
    """Text forms of the raw value and the offset: specific ones for any file, short ones for small text files,
    and the float64 bytes for binary files."""
    raw_mev, off_mev = n["raw"] * n["units"], n["offset"] * n["units"]
    mass = n["nominal_mev"] + raw_mev
    specific = [repr(n["raw"]), repr(n["offset"]), repr(raw_mev), repr(off_mev), repr(mass),
                f"{n['raw']:.8f}", f"{raw_mev:.6f}", f"{mass:.5f}", f"{off_mev:.6f}", f"{n['offset']:.8f}"]
    short = [f"{mass:.2f}", f"{raw_mev:+.2f} MeV", f"{off_mev:+.2f} MeV", f"{mass / 1e3:.6f}"]
    binary = [struct.pack("<d", v) for v in (n["raw"], n["offset"], raw_mev, off_mev, mass)]
    return specific, short, binary


def test_blinded_run_leaks_neither_the_mass_nor_the_offset(tiny_workflow_run):
    work = tiny_workflow_run
    files = [p for p in work.rglob("*") if p.is_file() and ".snakemake" not in p.parts]
    logs = [p for p in files if p.suffix == ".log"]
    assert len(logs) > 20 and (work / "report" / "index.html") in files
    searched = 0
    for fit, n in blinded_numbers(work).items():
        specific, short, binary = needles(n)
        for path in files:
            data = path.read_bytes()
            if path.suffix in TEXT_SUFFIXES:
                text = data.decode("utf-8", errors="replace")
                found = [s for s in specific if s in text]
                if path.stat().st_size < 200_000:
                    found += [s for s in short if s in text]
                assert not found, f"{path} reveals the blinded {fit} mass or offset: {found}"
            else:
                assert not [b for b in binary if b in data], f"{path} holds the raw {fit} value or offset"
            searched += 1
    assert searched > 4 * 50


@pytest.fixture(scope="module")
def unblinded_run(tiny_workflow_run, tmp_path_factory, tool_env) -> Path:
    """A copy of the blinded tiny run on which the default target runs the gates through mw."""
    work = tmp_path_factory.mktemp("unblinded") / "work"
    shutil.copytree(tiny_workflow_run, work, symlinks=True)
    res = snakemake(work, tool_env, "-n", "--config", "size=tiny")
    assert "Job stats" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    planned = set(planned_jobs(res.stdout))
    # the fits stay: only the gates and the report (whose `through` changed) run
    assert planned == {"unblind_dilepton", "unblind_wlike", "unblind_mw", "report", "all"}, res.stdout[-3000:]
    res = snakemake(work, tool_env, "--config", "size=tiny")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return work


def test_gates_run_in_order_and_the_unblinded_mass_is_the_fit_s_raw_value(unblinded_run, tool_env):
    work = unblinded_run
    gates = {s: json.loads((work / "unblind" / s / "gate.json").read_text()) for s in ("dilepton", "wlike", "mw")}
    for stage, gate in gates.items():
        assert gate["status"] in ("open", "refused") and gate["checks"], gate
        assert (work / "unblind" / stage / "unblinded.json").exists() == (gate["status"] == "open")
        if gate["status"] == "refused":
            assert any(not c["passed"] for c in gate["checks"])
    # a later gate never opens while an earlier one is closed
    order = [gates[s]["status"] == "open" for s in ("dilepton", "wlike", "mw")]
    assert order == sorted(order, reverse=True), order
    # the dilepton fit refitted with --unblind gives the raw value the gate computes from the blinded one
    out = work / "refit"
    res = subprocess.run(["wmass", "fit", "fit/dilepton/input.h5", "--config", "results/config.yaml", "--unblind",
                          "--no-asimov", "--out", str(out)], cwd=work, env=tool_env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    (raw,) = [p["value"] for p in json.loads((out / "result.json").read_text())["parameters"] if p["kind"] == "noi"]
    if gates["dilepton"]["status"] == "open":
        got = json.loads((work / "unblind/dilepton/unblinded.json").read_text())["results"]["dilepton"]["massShift"]
        assert got["shift_mev"] == pytest.approx(raw * 100.0, abs=1e-6)
    else:
        assert blinded_numbers(work)["dilepton"]["raw"] == pytest.approx(raw, abs=1e-8)
    html = (work / "report" / "index.html").read_text()
    for gate in gates.values():
        assert gate["status"] in html
    res = snakemake(work, tool_env, "-n", "unblind_mw", "--config", "size=tiny")
    assert "Nothing to be done" in res.stdout + res.stderr


def test_an_interrupted_run_resumes_and_gives_the_same_result(tiny_workflow_run, tmp_path, tool_env):
    work = tmp_path / "work"
    shutil.copytree(tiny_workflow_run, work, symlinks=True)
    before = json.loads((work / "fit/dilepton/result.json").read_text())
    for f in ("input.h5", "result.json", "cov.h5", "yields.h5"):
        (work / "fit" / "dilepton" / f).unlink()
    log = work / "logs" / "fit" / "dilepton.log"
    log.unlink()
    proc = subprocess.Popen(["snakemake", "--profile", "profiles/ci", *TINY_BLINDED_CONFIG], cwd=work, env=tool_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 600
    while not log.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before the dilepton fit started"
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C while the fit runs
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, out[-2000:]
    assert not (work / "fit/dilepton/result.json").exists(), "an interrupted fit left a result"
    assert not list((work / "fit/dilepton").glob(".*.tmp")), "an interrupted fit left temporary files"
    res = snakemake(work, tool_env, *TINY_BLINDED_CONFIG)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    after = json.loads((work / "fit/dilepton/result.json").read_text())
    assert [(p["name"], p["value"], p["error"]) for p in after["parameters"]] == \
        [(p["name"], p["value"], p["error"]) for p in before["parameters"]]
