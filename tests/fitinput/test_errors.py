"""Refusals: a file of another analysis or configuration, a missing sample, NaN yields, an empty signal."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from wmass.errors import InputError
from wmass.fitinput import assemble_fit_input, options_from_config
from wmass.histograms.io import read_hists, write_hists


@pytest.fixture(scope="module")
def few(tiny_set):
    return tiny_set.files("dilepton"), options_from_config(tiny_set.cfg_few)


def test_file_of_another_analysis(tiny_set, few):
    files, opts = few
    wrong = {**files, "zmumu": tiny_set.files("wlike")["zmumu"]}
    with pytest.raises(InputError, match=r"wlike/zmumu\.h5: its analysis is 'wlike', expected 'dilepton'"):
        assemble_fit_input("dilepton", wrong, tiny_set.process_of, opts)


def test_file_of_another_configuration(tiny_set, few):
    files, _ = few
    with pytest.raises(InputError, match="made with another configuration"):
        assemble_fit_input("dilepton", files, tiny_set.process_of, options_from_config(tiny_set.cfg))


def test_missing_sample(tiny_set, few):
    files, opts = few
    with pytest.raises(InputError, match=r"no histogram file for process\(es\) \['rare'\]"):
        assemble_fit_input("dilepton", {k: v for k, v in files.items() if k != "rare"}, tiny_set.process_of, opts)


def test_foreign_process(tiny_set, few):
    files, opts = few
    extra = {**files, "wplus": tiny_set.files("mw")["wplus"]}
    with pytest.raises(InputError, match="is not a process of the dilepton fit"):
        assemble_fit_input("dilepton", extra, tiny_set.process_of, opts)


def test_nan_yields(tmp_path, tiny_set, few):
    files, opts = few
    bad = tmp_path / "zmumu.h5"
    shutil.copy(files["zmumu"], bad)
    with h5py.File(bad, "r+") as f:
        values = f["hists/nominal/storage/values"]
        arr = values[...]
        arr[10, 5] = np.nan
        values[...] = arr
    with pytest.raises(InputError, match=rf"{bad}.*non-finite"):
        assemble_fit_input("dilepton", {**files, "zmumu": bad}, tiny_set.process_of, opts)


def test_empty_signal(tmp_path, tiny_set, few):
    files, opts = few
    hists, meta = read_hists(files["zmumu"])
    empty = {name: h * 0.0 for name, h in hists.items()}
    write_hists(tmp_path / "zmumu.h5", empty, meta)
    with pytest.raises(InputError, match=r"zmumu\.h5: the signal zmumu has no events"):
        assemble_fit_input("dilepton", {**files, "zmumu": tmp_path / "zmumu.h5"}, tiny_set.process_of, opts)


def test_data_without_luminosity(tmp_path, tiny_set, few):
    files, opts = few
    hists, meta = read_hists(files["data"])
    write_hists(tmp_path / "data.h5", hists, {**meta, "lumi_pb": 0.0})
    with pytest.raises(InputError, match="carries no integrated luminosity"):
        assemble_fit_input("dilepton", {**files, "data": tmp_path / "data.h5"}, tiny_set.process_of, opts)


def test_unknown_fit():
    with pytest.raises(InputError, match="unknown fit 'nope'; fits: dilepton, wlike, wlike_flipped, mw"):
        assemble_fit_input("nope", {}, {})
