"""Bad inputs to `wmass histogram` and `wmass merge`: exit code 2, one line naming the input, no traceback, no output.

Each test runs the real entry point (``wmass.cli.main``, as the `wmass` command does) in this
process and reads what it printed; one test runs `python -m wmass` in a subprocess. The messages
asserted here are those listed in docs/bad_inputs.md.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot
import yaml

from tests.analyses.synth import make_events, set_value, write_nano
from wmass.cli import main


@pytest.fixture(scope="module")
def work(tmp_path_factory, base_config) -> Path:
    """A tiny configuration (wplus: 2 chunks, mass and eff_stat systematics) and one good synthetic file."""
    tmp = tmp_path_factory.mktemp("bad_inputs")
    cfg = copy.deepcopy(base_config)
    cfg["size"] = "tiny"
    cfg["sizes"]["tiny"]["max_chunk_events"] = 5000
    cfg["histogram"]["systematics"] = {g: g in ("mass", "eff_stat") for g in cfg["histogram"]["systematics"]}
    (tmp / "config.yaml").write_text(yaml.safe_dump(cfg))
    write_nano(tmp / "good.root", 3000, seed=21, basket=1000)
    return tmp


def wmass(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """(exit code, stderr) of `wmass ARGS` run through the entry point."""
    monkeypatch.setattr(sys, "argv", ["wmass", *args])
    capfd.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capfd.readouterr().err


def histogram(capfd, monkeypatch, work: Path, input_path: Path, out: Path, sample: str = "wplus", *extra: str) -> tuple[int, str]:
    return wmass(capfd, monkeypatch, "histogram", "--config", str(work / "config.yaml"), "--analysis", "mw", "--sample", sample,
                 "--chunk", "0", "--input", str(input_path), "--out", str(out), *extra)


def refused(code: int, err: str, out: Path, *words: str) -> str:
    """The one error line; asserts exit code 2, no traceback, no output file and every word in the message."""
    assert code == 2, err
    assert "Traceback" not in err and not out.exists()
    line = next(x for x in err.splitlines() if x.startswith("wmass: error: "))
    for word in words:
        assert word in err, (word, err)
    return line


@pytest.mark.parametrize("sample", ["wplus", "data"])
def test_truncated_file(work, capfd, monkeypatch, sample):
    data = (work / "good.root").read_bytes()
    bad = work / f"truncated_{sample}.root"
    bad.write_bytes(data[: len(data) // 2])
    code, err = histogram(capfd, monkeypatch, work, bad, work / "t.h5", sample)
    refused(code, err, work / "t.h5", str(bad), "is truncated", f"{len(data) // 2} bytes", f"says {len(data)}")
    assert "attempt" not in err  # coffea never retried it


def test_zero_byte_file(work, capfd, monkeypatch):
    bad = work / "zero.root"
    bad.write_bytes(b"")
    code, err = histogram(capfd, monkeypatch, work, bad, work / "z.h5")
    refused(code, err, work / "z.h5", str(bad), "empty (zero bytes)")


def test_text_file_renamed_root(work, capfd, monkeypatch):
    bad = work / "text.root"
    bad.write_text("this is not a ROOT file\n" * 40)
    code, err = histogram(capfd, monkeypatch, work, bad, work / "x.h5")
    refused(code, err, work / "x.h5", str(bad), "is not a ROOT file", "b'this'")


def test_file_without_events_tree(work, capfd, monkeypatch):
    bad = work / "notree.root"
    with uproot.recreate(bad) as f:
        f["Other"] = {"x": np.arange(10)}
    code, err = histogram(capfd, monkeypatch, work, bad, work / "n.h5")
    refused(code, err, work / "n.h5", str(bad), "has no 'Events' tree", "['Other']")


def test_corrupt_basket(work, capfd, monkeypatch):
    """A file of the right size whose compressed event data is overwritten: read error named, not retried."""
    data = bytearray((work / "good.root").read_bytes())
    with uproot.open(work / "good.root") as f:
        seek = int(f["Events"]["Muon_pt"].member("fBasketSeek")[1])
    data[seek + 80: seek + 400] = bytes(320)
    bad = work / "corrupt.root"
    bad.write_bytes(bytes(data))
    code, err = histogram(capfd, monkeypatch, work, bad, work / "c.h5")
    refused(code, err, work / "c.h5", "corrupt.root", "event data cannot be read", "corrupt")
    assert "attempt" not in err


def test_absent_file(work, capfd, monkeypatch):
    code, err = histogram(capfd, monkeypatch, work, work / "absent.root", work / "a.h5")
    refused(code, err, work / "a.h5", "absent.root", "does not exist")


def test_out_under_a_regular_file(work, capfd, monkeypatch):
    blocker = work / "blocker"
    blocker.write_text("a file, not a folder")
    out = blocker / "sub" / "mw.h5"
    code, err = histogram(capfd, monkeypatch, work, work / "good.root", out)
    assert code == 2 and "Traceback" not in err, err
    assert f"output {out} cannot be written: {blocker} is a regular file, not a folder" in err
    assert blocker.read_text() == "a file, not a folder"


def test_subprocess_prints_one_line(work):
    """The `wmass` command itself (a fresh interpreter): exit 2, `wmass: error:`, no traceback, no retries."""
    data = (work / "good.root").read_bytes()
    bad = work / "truncated_subprocess.root"
    bad.write_bytes(data[:5000])
    out = work / "s.h5"
    res = subprocess.run([sys.executable, "-m", "wmass", "histogram", "--config", str(work / "config.yaml"), "--analysis", "mw",
                          "--sample", "wplus", "--chunk", "0", "--input", str(bad), "--out", str(out)],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=300)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith(f"wmass: error: input file {bad} is truncated"), res.stderr
    assert "Traceback" not in res.stderr and "Warning" not in res.stderr and not out.exists()


def test_allow_missing_on_the_command_line(work, capfd, monkeypatch):
    """Every missing group in one error; `--allow-missing` (added to histogram.allow_missing) runs with the fallbacks."""
    from tests.analyses.test_errors import OLD_FILE_DROPS
    from wmass.histograms.io import read_meta

    old = write_nano(work / "old.root", 300, drop=OLD_FILE_DROPS)
    out = work / "old.h5"
    code, err = histogram(capfd, monkeypatch, work, old, out)
    refused(code, err, out, f"{old}: 7 missing inputs:", "input group 'event_ids'", "input group 'electrons'",
            "`wmass histogram --allow-missing event_ids,dxybs,muon_id,isolation,trigger,trigger_match,electrons`")
    code, err = histogram(capfd, monkeypatch, work, old, out, "wplus", "--allow-missing", "event_ids,dxybs")
    line = refused(code, err, out, f"{old}: 5 missing inputs:", "--allow-missing muon_id,isolation,trigger,trigger_match,electrons`")
    assert "'event_ids'" not in err and "'dxybs'" not in err, line
    allow = "event_ids,dxybs,muon_id,isolation, trigger,trigger_match,electrons"
    code, err = histogram(capfd, monkeypatch, work, old, out, "wplus", "--allow-missing", allow)
    assert code == 0, err
    meta = read_meta(out)
    assert meta["missing_inputs"] == sorted(allow.replace(" ", "").split(",")) == meta["allow_missing"]
    code, err = histogram(capfd, monkeypatch, work, old, work / "bogus.h5", "wplus", "--allow-missing", "dxybs,bogus")
    assert code == 2 and "Invalid value for --allow-missing: unknown input group(s) bogus" in err and "Traceback" not in err
    assert not (work / "bogus.h5").exists()


def test_non_finite_muon_pt(work, capfd, monkeypatch):
    """NaN in Muon_pt: refused by default, naming the file, the branch and the entry."""
    bad = write_nano(work / "nan_pt.root", 3000, seed=21, edit=lambda d: set_value(d, "Muon_pt", 2900, np.nan))
    entry = int(np.searchsorted(np.cumsum(ak.num(make_events(3000, seed=21)["Muon"])), 2900, side="right"))
    code, err = histogram(capfd, monkeypatch, work, bad, work / "nan.h5")
    line = refused(code, err, work / "nan.h5")
    assert line == (f"wmass: error: {bad}: non-finite input: branch 'Muon_pt' is nan at entry {entry} (1 event of entries 0–2999); "
                    "set histogram.non_finite: drop to drop such events (their number is recorded in the histogram file, non_finite_dropped)")


def test_non_finite_drop_is_recorded_and_merged(work, capfd, monkeypatch):
    """``histogram.non_finite: drop``: the dropped events are counted in each chunk's metadata and summed by the merge."""
    from wmass.histograms.io import read_meta

    cfg = yaml.safe_load((work / "config.yaml").read_text())
    cfg["histogram"]["non_finite"] = "drop"
    (work / "drop.yaml").write_text(yaml.safe_dump(cfg))
    files = []
    for chunk, poison in ((0, [("MET_pt", 4, np.inf), ("genWeight", 9, np.nan)]), (1, [("MEParamWeight", 21 * 100, -np.inf)])):
        def edit(d, poison=poison):
            for branch, i, v in poison:
                set_value(d, branch, i, v)
        path = write_nano(work / f"drop{chunk}.root", 3000, seed=30 + chunk, edit=edit)
        out = work / f"drop{chunk}.h5"
        code, err = wmass(capfd, monkeypatch, "histogram", "--config", str(work / "drop.yaml"), "--analysis", "mw", "--sample", "wplus",
                          "--chunk", str(chunk), "--input", str(path), "--out", str(out))
        assert code == 0, err
        meta = read_meta(out)
        assert meta["non_finite"] == "drop" and meta["non_finite_dropped"] == len(poison) and meta["n_events"] == 3000 - len(poison)
        files.append(str(out))
    merged = work / "drop.h5"
    code, err = wmass(capfd, monkeypatch, "merge", "--config", str(work / "drop.yaml"), "--analysis", "mw", "--sample", "wplus",
                      "--out", str(merged), *files)
    assert code == 0, err
    meta = read_meta(merged)
    assert meta["non_finite_dropped"] == 3 and meta["n_events"] == 6000 - 3


@pytest.mark.parametrize(("lumi", "why"), [(-3.5, "lumi_pb is -3.5, a negative integrated luminosity"),
                                           (float("nan"), "lumi_pb is nan, not a finite number of pb⁻¹"),
                                           (float("inf"), "lumi_pb is inf, not a finite number of pb⁻¹"),
                                           ("12", "lumi_pb is '12', not a finite number of pb⁻¹")])
def test_bad_lumi_in_the_sidecar(work, capfd, monkeypatch, lumi, why):
    """A data chunk's sidecar JSON with a bad lumi_pb is refused by `wmass histogram`, naming the sidecar."""
    path = work / "data_lumi.root"
    path.write_bytes((work / "good.root").read_bytes())
    side = path.with_suffix(".json")
    side.write_text(json.dumps({"lumi_pb": lumi}))  # json writes NaN and Infinity, as Python's json reads them
    code, err = histogram(capfd, monkeypatch, work, path, work / "lumi.h5", "data")
    line = refused(code, err, work / "lumi.h5")
    assert line == f"wmass: error: sidecar {side}: {why}"


def test_sidecar_not_json(work, capfd, monkeypatch):
    path = work / "data_badside.root"
    path.write_bytes((work / "good.root").read_bytes())
    path.with_suffix(".json").write_text("{lumi_pb: 3")
    code, err = histogram(capfd, monkeypatch, work, path, work / "side.h5", "data")
    refused(code, err, work / "side.h5", f"sidecar {path.with_suffix('.json')} of {path} is not valid JSON")


@pytest.mark.parametrize(("key", "value", "why"), [("lumi_pb", float("nan"), "its lumi_pb is nan, not a finite number"),
                                                   ("lumi_pb", -1.0, "its lumi_pb is -1.0, a negative value"),
                                                   ("sum_w", float("inf"), "its sum_w is inf, not a finite number")])
def test_merge_refuses_bad_summed_metadata(work, capfd, monkeypatch, key, value, why):
    """A chunk file whose lumi_pb (or another summed value) is not finite or negative is refused by `wmass merge`, named."""
    import h5py

    chunks = []
    for chunk in (0, 1):
        out = work / f"meta{chunk}.h5"
        code, err = histogram(capfd, monkeypatch, work, work / "good.root", out, "data", "--chunk", str(chunk))
        assert code == 0, err
        chunks.append(out)
    with h5py.File(chunks[1], "r+") as f:
        meta = json.loads(f.attrs["meta"])
        meta[key] = value
        f.attrs["meta"] = json.dumps(meta)
    merged = work / "meta.h5"
    code, err = wmass(capfd, monkeypatch, "merge", "--config", str(work / "config.yaml"), "--analysis", "mw", "--sample", "data",
                      "--out", str(merged), *map(str, chunks))
    line = refused(code, err, merged)
    assert line == f"wmass: error: refusing to merge {chunks[1]}: {why}"
