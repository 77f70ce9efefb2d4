"""The second W-like measurement: the charge split flipped (each Z event enters with its other muon)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wmass import registry
from wmass.analyses import make_processor
from wmass.analyses.options import Options
from wmass.analyses.runner import run_processor


def test_flipped_split_keeps_the_other_muon(tiny_workflow_run):
    files = [str(tiny_workflow_run / "data" / "nano" / "zmumu" / "0.root")]
    opts = Options(is_mc=True)
    nominal = {key: run_processor(make_processor(analysis, o), files)["hists"]["nominal"]
               for key, analysis, o in (("wlike", "wlike", opts), ("wlike_flipped", "wlike_flipped", opts),
                                        ("wlike_minus", "wlike", replace(opts, wlike_even_charge=-1)))}
    counts = {k: h.values() for k, h in nominal.items()}
    # flipping the split is the same as even events keeping the other charge
    np.testing.assert_array_equal(counts["wlike_flipped"], counts["wlike_minus"])
    assert not np.array_equal(counts["wlike_flipped"], counts["wlike"])
    # the two splits are statistically equivalent W-like samples of the same Z events: equal totals
    # per charge within the statistical spread of the (largely independent) selected muons
    for q in range(2):
        a, b = counts["wlike"][..., q].sum(), counts["wlike_flipped"][..., q].sum()
        assert a > 100 and b > 100
        assert abs(a - b) < 5 * np.sqrt(a + b), (q, a, b)
    assert registry.analysis("wlike_flipped").layout == "wlike" and registry.analysis("mw").layout == "mw"
