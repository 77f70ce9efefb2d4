"""The `wmass generate` stage: files, sidecar, reproducibility, errors, and the hidden pseudo-data truth.

The physics generator is replaced by the synthetic one (tests/synthetic.py) for speed and to test this
stage on its own; test_full_chain_with_physics_generator runs the real one when it is installed.
"""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot
import yaml

import wmass.generate.chunk as chunk_mod
from tests.helpers import assert_branches_on_disk
from tests.synthetic import synthetic_cross_section, synthetic_generate_truth
from wmass.config import ConfigError, load_config, sample_layout, stage_hash, validate_config
from wmass.generate.pseudodata import DATA_PROCESSES, expected_counts, hidden_truth
from wmass.nanoaod.writer import read_branches

ROOT = Path(__file__).resolve().parents[1]


def _tiny_cfg() -> dict:
    raw = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    raw["size"] = "tiny"
    return validate_config(raw)


@pytest.fixture
def synthetic_physics(monkeypatch):
    monkeypatch.setattr(chunk_mod, "_physics", lambda: (synthetic_generate_truth, synthetic_cross_section))


def _same_branches(a: Path, b: Path) -> None:
    ra, rb = read_branches(a), read_branches(b)
    assert list(ra) == list(rb)
    for name in ra:
        assert ak.array_equal(ra[name], rb[name]), name


def test_chunk_files_and_sidecar(tmp_path, synthetic_physics):
    cfg = _tiny_cfg()
    out = tmp_path / "wplus" / "0.root"
    meta = chunk_mod.generate_chunk(cfg, "wplus", 0, out)
    side = json.loads(out.with_suffix(".json").read_text())
    lay = sample_layout(cfg, "wplus")
    assert side["n_events"] == lay.chunk_events(0) == uproot.open(out)["Events"].num_entries
    w = uproot.open(out)["Events"]["genWeight"].array(library="np").astype(np.float64)
    assert side["sum_w"] == pytest.approx(w.sum()) and side["sum_w2"] == pytest.approx((w * w).sum())
    for key in ("seed", "sample", "chunk", "config_hash", "provenance", "cross_section_pb", "weight_labels"):
        assert key in side
    assert side["provenance"]["git_commit"] and meta["config_hash"] == side["config_hash"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_interrupted_chunk_leaves_no_output(tmp_path, synthetic_physics, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(chunk_mod, "write_sidecar", fail)
    with pytest.raises(RuntimeError, match="killed"):
        chunk_mod.generate_chunk(_tiny_cfg(), "zmumu", 0, tmp_path / "0.root")
    assert list(tmp_path.iterdir()) == []


def test_same_config_identical_branches_other_chunk_independent(tmp_path, synthetic_physics):
    raw = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    raw["size"] = "tiny"
    raw["sizes"]["tiny"]["max_chunk_events"] = 3000
    cfg = validate_config(raw)
    a, b, c = tmp_path / "a.root", tmp_path / "b.root", tmp_path / "c.root"
    chunk_mod.generate_chunk(cfg, "zmumu", 1, a)
    chunk_mod.generate_chunk(cfg, "zmumu", 1, b)
    chunk_mod.generate_chunk(cfg, "zmumu", 0, c)
    _same_branches(a, b)
    ra, rc = read_branches(a), read_branches(c)
    n = min(len(ra["MET_pt"]), len(rc["MET_pt"]))
    assert abs(np.corrcoef(ra["MET_pt"][:n], rc["MET_pt"][:n])[0, 1]) < 0.1
    assert not set(ra["event"].tolist()) & set(rc["event"].tolist())


def test_pseudodata_chunk(tmp_path, synthetic_physics):
    cfg = _tiny_cfg()
    out = tmp_path / "data" / "0.root"
    side = chunk_mod.generate_chunk(cfg, "data", 0, out)
    arr = read_branches(out)
    n = len(arr["event"])
    assert side["n_events"] == n and side["sum_w"] == n and side["lumi_pb"] > 0
    assert not [k for k in arr if k.startswith(("Gen", "gen", "LHE", "Pileup"))]
    means = expected_counts(cfg, "data", 0, hidden_truth(cfg, "data"), synthetic_cross_section)
    assert n == pytest.approx(sum(means.values()), abs=5 * np.sqrt(sum(means.values())))
    assert 0.01 < np.mean(arr["HLT_Dimuon0_Jpsi"]) < cfg["detector"]["trigger"]["jpsi_data_fraction"]
    assert not set(side) & {*DATA_PROCESSES, "jpsi", "counts"}  # the composition stays hidden
    chunk_mod.generate_chunk(cfg, "data", 0, tmp_path / "again.root")
    _same_branches(out, tmp_path / "again.root")


def test_pseudodata_truth_is_shifted_and_guarded():
    cfg = _tiny_cfg()
    truth = hidden_truth(cfg, "data")
    assert truth.detector["curvature"] != cfg["detector"]["curvature"]
    assert truth.detector["efficiency"]["trigger"]["plateau"] < cfg["detector"]["efficiency"]["trigger"]["plateau"]
    assert truth.detector["pileup"] == cfg["detector"]["pileup"]
    with pytest.raises(ConfigError, match="only be read to generate a sample of process 'data'"):
        hidden_truth(cfg, "wplus")
    bad = copy.deepcopy(cfg)
    bad["pseudodata"]["detector"]["curvature"]["A"] = "large"
    with pytest.raises(ConfigError, match="pseudodata.detector.curvature.A"):
        hidden_truth(bad, "data")
    assert set(DATA_PROCESSES) | {"jpsi"} == {p for p in cfg["samples"].values() for p in [p["process"]]} - {"data"}


def test_no_analysis_code_reads_the_hidden_truth():
    """Only config.py (schema, hashing) and generate/pseudodata.py may name the `pseudodata` block."""
    allowed = {"config.py", "generate/pseudodata.py"}
    offenders = []
    for path in (ROOT / "src/wmass").rglob("*.py"):
        rel = path.relative_to(ROOT / "src/wmass").as_posix()
        if rel not in allowed and re.search(r"""["']pseudodata["']|\bHIDDEN_BLOCKS\b|hidden_truth\(""", path.read_text()):
            offenders.append(rel)
    assert offenders == []


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wmass", "generate", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize(("sample", "chunk", "message"), [
    ("nosuch", "0", "unknown sample 'nosuch'"),
    ("wplus", "99", "sample wplus has chunks 0..0, not 99"),
])
def test_cli_bad_inputs(tmp_path, sample, chunk, message):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(_tiny_cfg()))
    res = _cli("--config", str(cfg), "--sample", sample, "--chunk", chunk, "--out", str(tmp_path / "x.root"))
    assert res.returncode == 2 and message in res.stderr
    assert not (tmp_path / "x.root").exists()


def test_cli_bad_config_value_and_output_name(tmp_path):
    raw = _tiny_cfg()
    raw["detector"]["resolution"]["a"] = "one percent"
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump(raw))
    res = _cli("--config", str(cfg), "--sample", "wplus", "--chunk", "0", "--out", str(tmp_path / "x.root"))
    assert res.returncode == 2 and "detector.resolution.a" in res.stderr
    cfg.write_text(yaml.safe_dump(_tiny_cfg()))
    res = _cli("--config", str(cfg), "--sample", "wplus", "--chunk", "0", "--out", str(tmp_path / "x.txt"))
    assert res.returncode == 2 and "must be a .root file" in res.stderr


def test_cli_missing_config(tmp_path):
    res = _cli("--config", str(tmp_path / "none.yaml"), "--sample", "wplus", "--chunk", "0", "--out", str(tmp_path / "x.root"))
    assert res.returncode == 2 and "none.yaml does not exist" in res.stderr


def _have_physics() -> bool:
    try:
        import wmass.generate.processes  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _have_physics(), reason="wmass.generate.processes (truth generator) not installed yet")
def test_full_chain_with_physics_generator(tmp_path):
    """`wmass generate` end to end with the real truth generator, as Snakemake calls it; the files are
    reproduced bit for bit (branch by branch) by a second, in-process generation."""
    from wmass.generate.chunk import simulate_chunk

    raw = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    raw["size"] = "tiny"
    raw["sizes"]["tiny"] = {"scale": 0.005, "max_chunk_events": 2000}
    cfg_path = tmp_path / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(raw))
    cfg = load_config(cfg_path)
    for sample in ("wplus", "data"):
        out = tmp_path / sample / "0.root"
        res = _cli("--config", str(cfg_path), "--sample", sample, "--chunk", "0", "--out", str(out))
        assert res.returncode == 0, res.stderr
        side = json.loads(out.with_suffix(".json").read_text())
        assert side["n_events"] > 0 and side["config_hash"] == stage_hash(cfg, "generate", sample)
    again = simulate_chunk(cfg, "wplus", 0).branches
    on_disk = read_branches(tmp_path / "wplus" / "0.root")
    assert "MEParamWeight" in on_disk and "LHEPdfWeight" in on_disk
    assert_branches_on_disk(on_disk, again)
