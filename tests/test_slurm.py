"""The tiny workflow through a real (single-node) SLURM, with profiles/slurm, equals the local run.

Run with ``pytest -m slurm``. The test installs ``slurm-wlm`` and ``munge`` from Debian packages
when they are missing, starts ``munged``, ``slurmctld`` and ``slurmd`` by hand (no systemd; see
tests/slurm_cluster.py), submits the workflow with ``snakemake --profile profiles/slurm`` (status
through ``squeue``: there is no slurmdbd, so no ``sacct``), compares every output with a local run of
the same configuration, and stops the daemons it started, by PID.

It skips only where it cannot work by design (not root, not Debian); on a root Debian machine any
failure to install, start or run is a test failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import TINY_BLINDED_CONFIG, copy_workflow
from tests.slurm_cluster import SlurmCluster, SlurmError, ensure_installed, skip_reason

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[1]
PROFILE = "profiles/slurm"

#: Provenance entries that legitimately differ between two runs of the same configuration.
VOLATILE_KEYS = frozenset({"created", "command", "argv", "host", "hostname", "pid", "timings"})

#: Output folders (keys of the config's `paths`) whose files must be equal; logs and the HTML
#: report carry times and host names.
COMPARED_PATHS = ("nano", "hists", "fit", "results")


def _profile_partition() -> str:
    profile = yaml.safe_load((REPO / PROFILE / "config.yaml").read_text())
    return str(profile["default-resources"]["slurm_partition"])


@pytest.fixture(scope="module")
def slurm(request) -> SlurmCluster:
    """A running single-node cluster whose partition has the name profiles/slurm asks for."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    try:
        install_s = ensure_installed()
    except SlurmError as exc:
        pytest.fail(f"installing SLURM failed: {exc}", pytrace=False)
    # Not pytest's tmp_path: it is 0700 root, and munged (user munge) must reach its socket folder.
    root = Path(tempfile.mkdtemp(prefix="wmass-slurm-"))
    failed_before = request.session.testsfailed
    start = time.monotonic()
    cluster = SlurmCluster(root, cpus=2, partition=_profile_partition())
    try:
        cluster.start()
    except SlurmError as exc:
        cluster.stop()
        pytest.fail(f"starting the SLURM test cluster failed (files kept in {root}): {exc}", pytrace=False)
    cluster.timings = {"install_s": install_s, "start_s": time.monotonic() - start}
    try:
        yield cluster
    finally:
        cluster.stop()
        if request.session.testsfailed == failed_before:
            shutil.rmtree(root, ignore_errors=True)
        else:
            sys.stderr.write(f"\nSLURM test cluster files (logs, slurm.conf) kept in {root}\n")


def test_sbatch_runs_a_job_with_a_nested_srun(slurm, tmp_path):
    """The cluster itself: a batch job runs, its step runs, and squeue still lists it afterwards."""
    out = tmp_path / "job.out"
    res = slurm.run("sbatch", "--parsable", "--wait", f"--output={out}", "--ntasks=1", "--mem=100",
                    "--wrap", "hostname; srun --ntasks=1 hostname", timeout=120)
    job_id = res.stdout.strip().split(";")[0]
    assert out.read_text().split() == [slurm.node, slurm.node]
    # The executor's status command; MinJobAge=3600 keeps the finished job visible.
    state = slurm.run("squeue", "--noheader", "--states=all", f"--jobs={job_id}", "--format=%T").stdout
    assert state.strip() == "COMPLETED"


def _snakemake(workdir: Path, env: dict, *args: str, timeout: float) -> subprocess.CompletedProcess:
    try:
        res = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, env=env,
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"snakemake {' '.join(args)} ran over {timeout} s:\n{exc.stdout}\n{exc.stderr}", pytrace=False)
    if res.returncode != 0:
        slurm_logs = "".join(
            f"\n--- {p}:\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
        )
        pytest.fail(
            f"snakemake {' '.join(args)} exited with {res.returncode}:\n{res.stdout[-4000:]}\n"
            f"{res.stderr[-8000:]}{slurm_logs}",
            pytrace=False,
        )
    return res


def _normalise(obj: Any, workdir: Path) -> Any:
    """JSON value without the volatile provenance entries, with the run folder replaced by <workdir>."""
    if isinstance(obj, dict):
        return {k: _normalise(v, workdir) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [_normalise(v, workdir) for v in obj]
    if isinstance(obj, str):
        return obj.replace(str(workdir), "<workdir>")
    return obj


def _compare_json(a: Path, wa: Path, b: Path, wb: Path) -> None:
    ja = _normalise(json.loads(a.read_text()), wa)
    jb = _normalise(json.loads(b.read_text()), wb)
    assert ja == jb, f"{a.name}: JSON sidecars differ beyond provenance times and commands"


def _compare_root(a: Path, wa: Path, b: Path, wb: Path) -> None:
    """Same objects; every TTree branch / RNTuple field equal as arrays; JSON strings as sidecars.

    The bytes of two ROOT files never agree (file UUID, creation times in the keys).
    """
    import awkward as ak
    import uproot

    with uproot.open(a) as fa, uproot.open(b) as fb:
        ca, cb = fa.classnames(cycle=False), fb.classnames(cycle=False)
        assert ca == cb, f"{a.name}: different objects {ca} != {cb}"
        assert any(c in ("TTree", "ROOT::RNTuple") for c in ca.values()), f"{a.name}: no TTree or RNTuple"
        for name, cls in ca.items():
            oa, ob = fa[name], fb[name]
            where = f"{a.relative_to(wa)}:{name}"
            if cls == "TTree":
                assert oa.num_entries == ob.num_entries, f"{where}: number of entries"
                assert oa.keys() == ob.keys(), f"{where}: branches differ"
                pairs = ((br, oa[br].array(library="ak"), ob[br].array(library="ak")) for br in oa.keys())
            elif cls == "ROOT::RNTuple":
                xa, xb = oa.arrays(), ob.arrays()
                assert ak.fields(xa) == ak.fields(xb), f"{where}: fields differ"
                pairs = ((f, xa[f], xb[f]) for f in ak.fields(xa))
            elif cls == "TObjString":
                sa, sb = str(oa), str(ob)
                try:
                    assert _normalise(json.loads(sa), wa) == _normalise(json.loads(sb), wb), f"{where} differs"
                except json.JSONDecodeError:
                    assert sa == sb, f"{where} differs"
                continue
            else:
                continue
            for field, xa, xb in pairs:
                assert str(ak.type(xa)) == str(ak.type(xb)), f"{where}/{field}: types differ"
                assert ak.array_equal(xa, xb, equal_nan=True), f"{where}/{field}: values differ"


def _compare_h5(a: Path, wa: Path, b: Path, wb: Path) -> None:
    """Same groups and datasets with equal values; attributes equal up to provenance."""
    import h5py
    import numpy as np

    def attrs(obj, work: Path) -> dict:
        out = {}
        for k, v in obj.attrs.items():
            if k in VOLATILE_KEYS:
                continue
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, str):
                try:
                    v = _normalise(json.loads(v), work)
                except json.JSONDecodeError:
                    v = v.replace(str(work), "<workdir>")
            elif isinstance(v, np.ndarray):
                v = v.tolist()
            out[k] = v
        return out

    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        assert sorted(names_a) == sorted(names_b), f"{a.name}: different groups/datasets"
        assert attrs(fa, wa) == attrs(fb, wb), f"{a.name}: root attributes differ"
        for name in names_a:
            oa, ob = fa[name], fb[name]
            assert attrs(oa, wa) == attrs(ob, wb), f"{a.name}:{name} attributes differ"
            if isinstance(oa, h5py.Dataset):
                xa, xb = oa[()], ob[()]
                if h5py.check_dtype(ref=oa.dtype) is not None:
                    # object references (UHI axes): compare what they point to, not file addresses
                    xa = np.array([fa[r].name for r in np.ravel(xa)], dtype=object)
                    xb = np.array([fb[r].name for r in np.ravel(xb)], dtype=object)
                assert getattr(xa, "dtype", None) == getattr(xb, "dtype", None), f"{a.name}:{name} dtype"
                nan = isinstance(xa, np.ndarray) and xa.dtype.kind in "fc"
                assert np.array_equal(xa, xb, equal_nan=nan), f"{a.name}:{name} values differ"


def _compare_outputs(local: Path, remote: Path, paths: dict[str, str]) -> int:
    """Assert every file of the SLURM run exists in the local run with the same content; return how many.

    The SLURM run builds one analysis's chain (a target of the full workflow), so its files are a
    subset of the local run's.
    """
    compared = 0
    for key in COMPARED_PATHS:
        da, db = local / paths[key], remote / paths[key]
        fa = sorted(p.relative_to(da) for p in da.rglob("*") if p.is_file()) if da.is_dir() else []
        fb = sorted(p.relative_to(db) for p in db.rglob("*") if p.is_file()) if db.is_dir() else []
        assert set(fb) <= set(fa), f"{paths[key]}: the SLURM run made files the local run did not: {set(fb) - set(fa)}"
        for rel in fb:
            a, b = da / rel, db / rel
            if a.suffix == ".root":
                _compare_root(a, local, b, remote)
            elif a.suffix == ".json":
                _compare_json(a, local, b, remote)
            elif a.suffix in (".h5", ".hdf5"):
                _compare_h5(a, local, b, remote)
            else:
                assert a.read_bytes() == b.read_bytes(), f"{paths[key]}/{rel} differs"
            compared += 1
    return compared


#: One analysis's whole chain (generate → histogram → merge → fitinput → fit) goes through sbatch:
#: every rule runs as a SLURM job, with fewer jobs than the full workflow.
SLURM_TARGET = "fit/dilepton/result.json"


def test_tiny_workflow_through_slurm_equals_local_run(slurm, tmp_path_factory, tool_env, tiny_workflow_run):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    paths = {**{"nano": "data/nano", "hists": "hists", "fit": "fit", "results": "results"},
             **config.get("paths", {})}
    # The venv's `wmass` and `snakemake` first, then the SLURM commands (sbatch is exported to jobs).
    env = {**tool_env, "SLURM_CONF": slurm.env["SLURM_CONF"],
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{slurm.env['PATH']}"}

    local = tiny_workflow_run  # the same tiny run, made locally with profiles/ci (conftest.py)

    remote = copy_workflow(tmp_path_factory.mktemp("slurm"))
    t0 = time.monotonic()
    res = _snakemake(
        remote, env, SLURM_TARGET, "--profile", PROFILE, *TINY_BLINDED_CONFIG,
        # Quicker first status query than a real cluster needs; keep every job's SLURM log.
        "--slurm-init-seconds-before-status-checks", "2", "--slurm-keep-successful-logs",
        timeout=1800,
    )
    slurm_s = time.monotonic() - t0
    log = res.stdout + res.stderr

    # Every job of rule generate went through sbatch and finished COMPLETED on the test cluster.
    n_nano = len(list((remote / paths["nano"]).rglob("*.root")))
    assert n_nano > 0
    assert log.count("has been submitted with SLURM jobid") >= n_nano, log[-4000:]
    rows = [r.split("|") for r in slurm.run("squeue", "--noheader", "--states=all",
                                            "--format=%i|%T|%k").stdout.split()]
    generate = [r for r in rows if r[2].startswith("rule_generate")]
    assert len(generate) == n_nano, rows
    assert {r[1] for r in generate} == {"COMPLETED"}, rows
    assert len(list((remote / ".snakemake" / "slurm_logs" / "rule_generate").rglob("*.log"))) == n_nano

    assert (remote / SLURM_TARGET).is_file()
    for rule in ("histogram", "merge", "fitinput", "fit"):
        assert (remote / ".snakemake" / "slurm_logs" / f"rule_{rule}").is_dir(), rule
    compared = _compare_outputs(local, remote, paths)
    assert compared >= 2 * n_nano
    sys.stderr.write(
        f"\nSLURM test timings: install {slurm.timings['install_s']:.1f} s, cluster start "
        f"{slurm.timings['start_s']:.1f} s, SLURM tiny run {slurm_s:.1f} s; "
        f"{compared} files compared\n"
    )
