"""Bit-identical histograms from every executor and chunking (exact summation)."""

from __future__ import annotations

import numpy as np
import pytest

from wmass.analyses import make_processor
from wmass.analyses.runner import run_processor


def _same(a: dict, b: dict) -> None:
    assert set(a["hists"]) == set(b["hists"])
    for name, h in a["hists"].items():
        va, vb = h.view(flow=True), b["hists"][name].view(flow=True)
        assert va.tobytes() == vb.tobytes(), name
    assert (a["n_events"], a["sum_w"], a["sum_w2"]) == (b["n_events"], b["sum_w"], b["sum_w2"])


@pytest.fixture(scope="module")
def reference(synth_file, all_groups):
    return run_processor(make_processor("mw", all_groups), [str(synth_file)], chunksize=20000)


@pytest.mark.parametrize(("executor", "chunksize"), [("iterative", 3001), ("futures", 7000), ("dask", 6500)])
def test_bit_identical(synth_file, all_groups, reference, executor, chunksize):
    out = run_processor(make_processor("mw", all_groups), [str(synth_file)], executor=executor, workers=2,
                        chunksize=chunksize, dask_processes=False)
    _same(out, reference)


def test_wlike_chunking(synth_file, all_groups):
    a = run_processor(make_processor("wlike", all_groups), [str(synth_file)], chunksize=20000)
    b = run_processor(make_processor("wlike", all_groups), [str(synth_file)], chunksize=4999)
    _same(a, b)
    assert np.sum(a["hists"]["nominal"].values()) > 0
