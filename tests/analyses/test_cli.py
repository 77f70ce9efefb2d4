"""`wmass histogram` and `wmass merge` on synthetic chunks: metadata, merge sums, refusals."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from tests.analyses.synth import write_nano
from wmass.cli import cli
from wmass.errors import InputError
from wmass.histograms.io import read_hists


@pytest.fixture(scope="module")
def setup(tmp_path_factory, base_config):
    tmp = tmp_path_factory.mktemp("cli")
    cfg = copy.deepcopy(base_config)
    cfg["size"] = "tiny"
    cfg["sizes"]["tiny"]["max_chunk_events"] = 5000  # wplus: 10000 events in 2 chunks
    cfg["histogram"]["systematics"] = {g: g in ("mass", "eff_stat") for g in cfg["histogram"]["systematics"]}
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    other = copy.deepcopy(cfg)
    other["histogram"]["efficiency"]["stat_size"] = 0.002
    (tmp / "other.yaml").write_text(yaml.safe_dump(other))
    for chunk in (0, 1):
        write_nano(tmp / f"nano{chunk}.root", 3000, seed=10 + chunk)
    return tmp


def _run(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def _hist(tmp: Path, chunk: int, config: str = "config.yaml", out: str | None = None) -> Path:
    target = tmp / (out or f"mw_{chunk}.h5")
    res = _run(["histogram", "--config", str(tmp / config), "--analysis", "mw", "--sample", "wplus", "--chunk", str(chunk),
                "--input", str(tmp / f"nano{chunk}.root"), "--out", str(target)])
    assert res.exit_code == 0, (res.output, res.exception)
    return target


def test_histogram_and_merge(setup):
    a, b = _hist(setup, 0), _hist(setup, 1)
    ha, meta = read_hists(a)
    assert meta["analysis"] == "mw" and meta["sample"] == "wplus" and meta["chunk"] == 0 and meta["n_events"] == 3000
    assert meta["provenance"]["stage"] == "histogram" and len(meta["config_hash"]) == 16
    assert set(ha) == {"nominal", "syst_mass", "syst_eff_stat"}
    merged = setup / "mw.h5"
    res = _run(["merge", "--config", str(setup / "config.yaml"), "--analysis", "mw", "--sample", "wplus", "--out", str(merged), str(a), str(b)])
    assert res.exit_code == 0, (res.output, res.exception)
    hm, mmeta = read_hists(merged)
    hb, _ = read_hists(b)
    assert mmeta["n_events"] == 6000
    for name in hm:
        assert np.array_equal(hm[name].values(), ha[name].values() + hb[name].values())


def test_merge_refuses_missing_chunk(setup):
    a = _hist(setup, 0)
    res = _run(["merge", "--config", str(setup / "config.yaml"), "--analysis", "mw", "--sample", "wplus", "--out", str(setup / "x.h5"), str(a)])
    assert isinstance(res.exception, InputError) and "missing" in str(res.exception)
    assert not (setup / "x.h5").exists()


def test_merge_refuses_other_config(setup):
    a = _hist(setup, 0)
    b = _hist(setup, 1, config="other.yaml", out="other_1.h5")
    res = _run(["merge", "--config", str(setup / "config.yaml"), "--analysis", "mw", "--sample", "wplus",
                "--out", str(setup / "y.h5"), str(a), str(b)])
    assert isinstance(res.exception, InputError) and "other_1.h5" in str(res.exception) and "config_hash" in str(res.exception)


def test_histogram_missing_input(setup):
    res = _run(["histogram", "--config", str(setup / "config.yaml"), "--analysis", "mw", "--sample", "wplus", "--chunk", "0",
                "--input", str(setup / "absent.root"), "--out", str(setup / "z.h5")])
    assert isinstance(res.exception, InputError) and "absent.root" in str(res.exception)
