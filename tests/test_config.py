"""The configuration is validated before anything runs, and errors name the key."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from wmass.config import ConfigError, config_hash, load_config, sample_layout, stage_hash, validate_config


def test_repository_config_is_valid(repo):
    cfg = load_config(repo / "config" / "config.yaml")
    assert cfg["size"] in cfg["sizes"]
    assert cfg["paths"]["nano"] == "data/nano"  # default filled in by the schema


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda c: c["samples"]["wplus"].__setitem__("events", -5), "samples.wplus.events"),
        (lambda c: c.__setitem__("seed", "forty-two"), "seed"),
        (lambda c: c["samples"].__setitem__("zprime", {"process": "zprime", "events": 10}), "samples.zprime.process"),
        (lambda c: c.__setitem__("size", "huge"), "size"),
        (lambda c: c["sizes"]["tiny"].__setitem__("max_chunk_events", 0), "sizes.tiny.max_chunk_events"),
        (lambda c: c.__setitem__("typo_block", {}), "typo_block"),
    ],
)
def test_bad_values_name_the_key(base_config, mutate, key):
    cfg = copy.deepcopy(base_config)
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert key.split(".")[-1] in str(err.value)
    assert key.rsplit(".", 1)[0] in str(err.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("unblinding: {max_pull: .nan}", "unblinding.max_pull: nan is not a finite number"),
        ("unblinding: {max_edm: .inf}", "unblinding.max_edm: inf is not a finite number"),
        ("histogram: {calibration: {resolution_poly: [0.009, -.inf, 0.003]}}",
         "histogram.calibration.resolution_poly.1: -inf is not a finite number"),
        ("sizes: {tiny: {scale: .nan, max_chunk_events: 10}}", "sizes.tiny.scale: nan is not a finite number"),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path, base_config, text, line):
    """NaN passes JSON schema's number bounds (every comparison is false): a check of its own refuses it, naming the key."""
    cfg = copy.deepcopy(base_config)
    for block, value in yaml.safe_load(text).items():
        merged = cfg.setdefault(block, {})
        for key, sub in value.items():
            if isinstance(sub, dict) and isinstance(merged.get(key), dict):
                merged[key].update(sub)
            else:
                merged[key] = sub
    path = tmp_path / "nan.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"invalid configuration {path}:\n  {line}"


def test_non_finite_only_where_the_schema_allows_it():
    """A subschema marked x-allow-non-finite takes NaN/inf; nothing else does, at any depth."""
    from wmass.config import ALLOW_NON_FINITE, non_finite_keys

    spec = {"properties": {"edges": {"type": "array", "items": {"type": "number", ALLOW_NON_FINITE: True}},
                           "cut": {"type": "number"}},
            "additionalProperties": {"type": "object"}}
    value = {"edges": [0.0, float("inf")], "cut": float("nan"), "other": {"deep": [1.0, {"x": float("-inf")}]}, "n": 3}
    assert list(non_finite_keys(value, spec)) == ["cut: nan is not a finite number", "other.deep.1.x: -inf is not a finite number"]


def test_cli_refuses_a_nan_gate_threshold(tmp_path, base_config, tool_env):
    cfg = copy.deepcopy(base_config)
    cfg["unblinding"]["max_pull"] = float("nan")
    path = tmp_path / "nan.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert ".nan" in path.read_text()
    res = subprocess.run([sys.executable, "-m", "wmass", "config", "check", str(path)], capture_output=True, text=True, env=tool_env)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr == f"wmass: error: invalid configuration {path}:\n  unblinding.max_pull: nan is not a finite number\n"


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listy)


def test_sample_layout_chunks_cover_all_events(base_config):
    cfg = validate_config({**base_config, "size": "default"})
    for name in cfg["samples"]:
        lay = sample_layout(cfg, name)
        sizes = [lay.chunk_events(c) for c in range(lay.chunks)]
        assert sum(sizes) == lay.events
        assert max(sizes) <= cfg["sizes"]["default"]["max_chunk_events"]
        assert [lay.first_event(c) for c in range(lay.chunks)] == [sum(sizes[:c]) for c in range(lay.chunks)]
    with pytest.raises(ConfigError, match="unknown sample"):
        sample_layout(cfg, "zprime")


def test_stage_hash_tracks_only_what_the_stage_reads(base_config):
    cfg = validate_config(base_config)
    other = copy.deepcopy(cfg)
    other["samples"]["wminus"]["events"] += 1
    assert stage_hash(cfg, "generate", "wplus") == stage_hash(other, "generate", "wplus")
    assert stage_hash(cfg, "generate", "wminus") != stage_hash(other, "generate", "wminus")
    hidden = copy.deepcopy(cfg)
    hidden["pseudodata"] = {"anything": 1}
    assert stage_hash(cfg, "generate", "wplus") == stage_hash(hidden, "generate", "wplus")
    assert stage_hash(cfg, "generate", "data") != stage_hash(hidden, "generate", "data")
    assert config_hash(cfg) != config_hash(other)


def test_cli_refuses_bad_config_with_exit_2(tmp_path, base_config, tool_env):
    cfg = copy.deepcopy(base_config)
    cfg["samples"]["wplus"]["events"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    res = subprocess.run(
        [sys.executable, "-m", "wmass", "config", "check", str(path)],
        capture_output=True, text=True, env=tool_env,
    )
    assert res.returncode == 2
    assert "samples.wplus.events" in res.stderr
    assert "Traceback" not in res.stderr


def _old_stage_hash(cfg, stage, sample=None):
    """stage_hash as defined before correction files were hashed (the blocks, the sample's layout)."""
    from wmass.config import HIDDEN_BLOCKS, STAGE_BLOCKS

    part = {k: cfg.get(k) for k in STAGE_BLOCKS[stage]}
    if sample is not None:
        lay = sample_layout(cfg, sample)
        part["sample"] = [lay.name, lay.process, lay.events, lay.chunks]
        if lay.process == "data":
            part.update({k: cfg.get(k) for k in HIDDEN_BLOCKS})
    return config_hash(part)


def test_stage_hash_without_correction_files_is_unchanged(base_config):
    from wmass.config import STAGE_BLOCKS, correction_files

    cfg = validate_config(base_config)
    assert cfg["histogram"]["calibration"]["file"] is None and cfg["histogram"]["efficiency"]["file"] is None
    for stage in STAGE_BLOCKS:
        assert correction_files(cfg, stage) == []
        assert stage_hash(cfg, stage) == _old_stage_hash(cfg, stage)
    for sample in cfg["samples"]:
        assert stage_hash(cfg, "generate", sample) == _old_stage_hash(cfg, "generate", sample)


def test_stage_hash_follows_the_content_of_correction_files(base_config, tmp_path, monkeypatch):
    from wmass.config import STAGE_BLOCKS, correction_files

    monkeypatch.chdir(tmp_path)  # relative paths are relative to the working directory
    (tmp_path / "calib.json").write_text('{"v": 1}')
    (tmp_path / "sf.json").write_text('{"sf": 1}')
    plain = validate_config(base_config)
    cfg = copy.deepcopy(plain)
    cfg["histogram"]["calibration"]["file"] = "calib.json"
    cfg["histogram"]["efficiency"]["file"] = "sf.json"
    assert correction_files(cfg, "histogram") == correction_files(cfg, "fitinput") == ["calib.json", "sf.json"]
    assert [s for s in STAGE_BLOCKS if correction_files(cfg, s)] == ["histogram", "fitinput"]
    before = {s: stage_hash(cfg, s) for s in STAGE_BLOCKS}
    (tmp_path / "calib.json").write_text('{"v": 2}')  # same path, new content
    after = {s: stage_hash(cfg, s) for s in STAGE_BLOCKS}
    assert {s for s in STAGE_BLOCKS if before[s] != after[s]} == {"histogram", "fitinput"}
    (tmp_path / "sf.json").write_text('{"sf": 0.9}')
    assert stage_hash(cfg, "histogram") not in (before["histogram"], after["histogram"])
    (tmp_path / "calib.json").write_text('{"v": 1}')
    (tmp_path / "sf.json").write_text('{"sf": 1}')
    assert stage_hash(cfg, "histogram") == before["histogram"]  # the content, not the time stamp
    assert before["histogram"] != stage_hash(plain, "histogram")
    cfg["histogram"]["efficiency"]["file"] = "calib.json"  # one file under both keys is listed once
    assert correction_files(cfg, "histogram") == ["calib.json"]
    with pytest.raises(ConfigError, match="no stage"):
        correction_files(cfg, "nope")


def test_missing_correction_file_names_the_key_and_path(base_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = validate_config(base_config)
    cfg["histogram"]["efficiency"]["file"] = "results/efficiency/sf.json"
    with pytest.raises(ConfigError, match=r"histogram\.efficiency\.file: correction file results/efficiency/sf\.json does not exist"):
        stage_hash(cfg, "fitinput")
    assert stage_hash(cfg, "fit") == _old_stage_hash(cfg, "fit")  # stages that do not read it are unaffected
