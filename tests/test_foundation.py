"""Atomic output, deterministic random streams and provenance metadata."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from wmass import __version__
from wmass.io import atomic_path, write_json
from wmass.provenance import git_commit, provenance
from wmass.rng import chunk_rng


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out" / "result.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half written")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_atomic_path_renames_on_success(tmp_path):
    target = tmp_path / "result.json"
    old = os.umask(0o022)
    try:
        write_json(target, {"b": 1, "a": [1, 2]})
    finally:
        os.umask(old)
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
    assert target.stat().st_mode & 0o044 == 0o044  # readable by group and others (umask 022)


def test_same_key_same_stream_and_distinct_keys_independent():
    a = chunk_rng(1, "wplus", 0).random(1000)
    b = chunk_rng(1, "wplus", 0).random(1000)
    assert np.array_equal(a, b)
    others = [chunk_rng(1, "wplus", 1), chunk_rng(1, "wminus", 0), chunk_rng(2, "wplus", 0), chunk_rng(1, "wplus", 0, stream=1)]
    for gen in others:
        c = gen.random(1000)
        assert not np.array_equal(a, c)
        # independent uniform streams: correlation compatible with zero (|r| < 5/sqrt(N))
        assert abs(np.corrcoef(a, c)[0, 1]) < 5 / np.sqrt(1000)
    with pytest.raises(ValueError):
        chunk_rng(-1, "wplus", 0)


def test_provenance_records_what_made_a_file():
    meta = provenance("generate", "abc123", seeds={"seed": 7}, argv=["wmass", "generate"])
    assert meta["config_hash"] == "abc123"
    assert meta["wmass_version"] == __version__
    assert meta["seeds"] == {"seed": 7}
    assert meta["command"] == "wmass generate"
    commit = git_commit()
    assert commit == "unknown" or len(commit.split("+")[0]) == 40
