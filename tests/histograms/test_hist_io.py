"""Histogram files round-trip exactly; merging sums chunks and refuses inconsistent inputs."""

from __future__ import annotations

import h5py
import hist
import numpy as np
import pytest

from wmass.errors import InputError
from wmass.histograms.io import read_hists, read_meta, write_hists
from wmass.histograms.merge import merge_files


def make_hists(seed: int) -> dict[str, hist.Hist]:
    rng = np.random.default_rng(seed)
    nominal = (
        hist.Hist.new.Reg(48, -2.4, 2.4, name="eta").Reg(30, 26, 56, name="pt").IntCat([-1, 1], name="charge").Weight()
    )
    n = 5000
    eta, pt, q, w = rng.uniform(-2.4, 2.4, n), rng.uniform(26, 56, n), rng.choice([-1, 1], n), rng.normal(1, 0.1, n)
    nominal.fill(eta=eta, pt=pt, charge=q, weight=w)
    mass = hist.Hist(*nominal.axes, hist.axis.Integer(0, 21, name="massShift", underflow=False, overflow=False), storage=hist.storage.Double())
    mass.fill(eta=eta, pt=pt, charge=q, massShift=rng.integers(0, 21, n), weight=w)
    return {"nominal": nominal, "mass": mass}


def meta(chunk: int, **kw):
    return {"config_hash": "h1", "analysis": "mw", "sample": "wplus", "chunk": chunk, "n_events": 5000, "sum_w": 10.0, **kw}


def test_round_trip_is_exact(tmp_path):
    hists = make_hists(1)
    write_hists(tmp_path / "a.h5", hists, meta(0))
    back, m = read_hists(tmp_path / "a.h5")
    assert m["complete"] and m["chunk"] == 0
    for name, h in hists.items():
        assert back[name].axes == h.axes
        assert np.array_equal(back[name].view(flow=True), h.view(flow=True))


def test_merge_sums_chunks(tmp_path):
    files = []
    for chunk in range(3):
        files.append(tmp_path / f"{chunk}.h5")
        write_hists(files[-1], make_hists(chunk), meta(chunk))
    merged = merge_files(files, tmp_path / "merged.h5", provenance={"stage": "merge"})
    assert merged["chunks"] == 3 and merged["n_events"] == 15000
    back, _ = read_hists(tmp_path / "merged.h5")
    expect = sum(make_hists(c)["nominal"].values().sum() for c in range(3))
    assert back["nominal"].values().sum() == pytest.approx(expect, rel=1e-12)
    assert read_meta(tmp_path / "merged.h5")["sum_w"] == 30.0


def test_merge_refuses_other_config_naming_the_file(tmp_path):
    write_hists(tmp_path / "0.h5", make_hists(0), meta(0))
    write_hists(tmp_path / "1.h5", make_hists(1), meta(1, config_hash="other"))
    with pytest.raises(InputError, match=r"1\.h5.*config_hash"):
        merge_files([tmp_path / "0.h5", tmp_path / "1.h5"], tmp_path / "m.h5", provenance={})
    assert not (tmp_path / "m.h5").exists()


def test_bad_files_are_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_hists(tmp_path / "missing.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    with pytest.raises(InputError, match="junk.h5.*not a readable HDF5"):
        read_hists(tmp_path / "junk.h5")
    write_hists(tmp_path / "ok.h5", make_hists(0), meta(0))
    with h5py.File(tmp_path / "ok.h5", "a") as f:
        f.attrs["meta"] = '{"complete": false}'
    with pytest.raises(InputError, match="incomplete"):
        read_hists(tmp_path / "ok.h5")


def test_nan_is_refused_with_the_histogram_name(tmp_path):
    hists = make_hists(0)
    hists["mass"].view()[3, 4, 0, 5] = np.nan
    with pytest.raises(InputError, match="'mass'.*non-finite"):
        write_hists(tmp_path / "nan.h5", hists, meta(0))
    assert not (tmp_path / "nan.h5").exists()
