"""Efficiencies: the formula, data ≠ simulation as configured, and their effect in the simulation."""

import dataclasses

import numpy as np
import pytest

from tests.synthetic import make_truth
from wmass.config import load_config
from wmass.detector.efficiency import EfficiencyParams, efficiency
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.generate.pseudodata import deep_merge
from wmass.muon.efficiency import STEPS


@pytest.fixture(scope="module")
def dets():
    cfg = load_config("config/config.yaml")
    return (DetectorParams.from_config(cfg["detector"]),
            DetectorParams.from_config(deep_merge(cfg["detector"], cfg["pseudodata"]["detector"])))


def test_formula_hand_computed():
    p = EfficiencyParams(plateau=0.9, eta1=0.01, eta2=-0.02, dip_depth=0.0, dip_eta=1.0, dip_width=0.1,
                         charge_asym=0.01, lowpt_drop=0.5, lowpt_scale=10.0)
    got = efficiency(np.array([13.0]), np.array([1.0]), np.array([-1]), p)[0]
    assert got == pytest.approx((0.9 + 0.01 - 0.02) * 0.99 * (1 - 0.5 * np.exp(-1.0)))
    assert efficiency(np.array([40.0]), np.array([0.0]), np.array([1]), dataclasses.replace(p, plateau=1.5))[0] == 1.0


def test_every_step_configured(dets):
    """The detector has one parameter set per efficiency step of the muon model, in its order."""
    for det in dets:
        assert tuple(det.efficiency) == STEPS


def test_data_differs_from_simulation(dets):
    """Scale factors data/simulation between 0.95 and 1 and not all 1, for every step."""
    mc, data = dets
    pt, eta = np.full(49, 40.0), np.linspace(-2.4, 2.4, 49)
    for step in STEPS:
        for q in (-1, 1):
            sf = efficiency(pt, eta, np.full(49, q), data.efficiency[step]) / efficiency(
                pt, eta, np.full(49, q), mc.efficiency[step])
            assert np.all((sf > 0.95) & (sf < 1.0 + 1e-3)), step
            assert np.any(sf < 0.999), step
    trig = data.efficiency["trigger"]
    asym = efficiency(pt, eta, np.ones(49), trig) / efficiency(pt, eta, -np.ones(49), trig) - 1
    assert asym == pytest.approx(2 * trig.charge_asym / (1 - trig.charge_asym), rel=1e-6)


def test_global_muon_fraction_matches_configuration(dets):
    """In the simulation, the fraction of global muons is ⟨ε_tracking ε_reco⟩ (binomial agreement)."""
    truth = make_truth("wplus", 40000, seed=11)
    for det in dets:
        reco = simulate(truth, det, "wplus", np.random.default_rng(1))
        ok = truth.mu_valid[:, 0] & (np.abs(truth.mu_eta[:, 0]) < 2.4) & (truth.mu_pt[:, 0] > det.min_pt)
        args = (truth.mu_pt[ok, 0], truth.mu_eta[ok, 0], truth.mu_charge[ok, 0])
        expected = np.mean(efficiency(*args, det.efficiency["tracking"]) * efficiency(*args, det.efficiency["reco"]))
        n = ok.sum()
        got = reco.mu["is_global"].sum() / n
        assert got == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))


def test_trigger_turn_on(dets):
    """IsoMu24: nothing well below 24 GeV, the plateau well above."""
    det = dets[0]
    truth = make_truth("wplus", 60000, seed=12)
    reco = simulate(truth, det, "wplus", np.random.default_rng(2))
    mu = reco.mu
    sel = mu["is_global"] & (mu["iso"] < 0.15) & (np.abs(mu["eta"]) < 0.8)
    low = sel & (mu["pt"] > 20) & (mu["pt"] < 22.5)
    high = sel & (mu["pt"] > 30) & (mu["pt"] < 50)
    assert mu["fired"][low].mean() < 0.03
    assert 0.85 < mu["fired"][high].mean() < 0.97
    assert np.array_equal(reco.hlt_isomu24, np.bincount(mu["event_index"][mu["fired"]], minlength=len(truth)) > 0)
    assert np.all(reco.hlt_isotkmu24 >= reco.hlt_isomu24) and reco.hlt_isotkmu24.sum() > reco.hlt_isomu24.sum()
