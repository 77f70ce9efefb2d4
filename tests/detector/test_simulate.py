"""The detector as a whole: reproducibility, NanoAOD ordering, independence of streams."""

import dataclasses

import numpy as np
import pytest

from tests.synthetic import make_truth
from wmass.config import load_config
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.muon.binning import per_bin
from wmass.muon.efficiency import STEPS


def _det():
    return DetectorParams.from_config(load_config("config/config.yaml")["detector"])


def test_same_seed_identical_different_seed_not():
    det, truth = _det(), make_truth("zmumu", 5000, seed=3)
    a = simulate(truth, det, "zmumu", np.random.default_rng(1))
    b = simulate(truth, det, "zmumu", np.random.default_rng(1))
    c = simulate(truth, det, "zmumu", np.random.default_rng(2))
    for key in a.mu:
        assert np.array_equal(a.mu[key], b.mu[key]), key
    assert np.array_equal(a.met_pt, b.met_pt)
    assert not np.array_equal(a.met_pt, c.met_pt)


def test_nanoaod_order_and_counts():
    det, truth = _det(), make_truth("zmumu", 5000, seed=4)
    mu = simulate(truth, det, "zmumu", np.random.default_rng(1)).mu
    assert mu["counts"].sum() == mu["pt"].shape[0]
    assert np.all(np.diff(mu["event_index"]) >= 0)
    same = mu["event_index"][1:] == mu["event_index"][:-1]
    assert np.all(mu["pt"][1:][same] <= mu["pt"][:-1][same])
    assert np.all(mu["is_global"] <= mu["is_tracker"]) and np.all(mu["medium"] <= mu["is_global"])


def test_empty_input():
    reco = simulate(make_truth("wplus", 0), _det(), "wplus", np.random.default_rng(1))
    assert len(reco) == 0 and reco.mu["pt"].shape == (0,)


def test_parameters_typed_once():
    """DetectorParams: frozen, per-η curvature and resolution at the bin centres, one set per efficiency step."""
    block = load_config("config/config.yaml")["detector"]
    p = DetectorParams.from_config(block)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.min_pt = 1.0  # type: ignore[misc]
    assert np.array_equal(p.curvature.epsilon, per_bin(block["curvature"]["epsilon"]))
    assert np.array_equal(p.resolution.d, per_bin(block["resolution"]["d"]))
    assert tuple(p.efficiency) == STEPS
    assert p.efficiency["idip"].plateau == block["efficiency"]["idip"]["plateau"]
    assert p.trigger.jpsi_window == tuple(block["trigger"]["jpsi_window"])
    assert p.electrons.fake_id_probs == tuple(block["electrons"]["fake_id_probs"])
