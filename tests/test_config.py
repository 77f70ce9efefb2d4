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
