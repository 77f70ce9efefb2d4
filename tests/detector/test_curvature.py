"""Momentum scale and resolution: the formula, the Z-peak shift it predicts, the resolution at 40 GeV."""

import numpy as np
import pytest

from tests.synthetic import make_truth
from wmass.config import load_config
from wmass.constants import M_MU
from wmass.detector.curvature import reconstruct_pt
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.detector.trigger import pair_mass
from wmass.generate.pseudodata import deep_merge
from wmass.muon.binning import N_ETA_BINS, eta_bin, eta_centres, per_bin
from wmass.muon.curvature import CurvatureBias, biased_pt, relative_resolution


@pytest.fixture(scope="module")
def cfg():
    return load_config("config/config.yaml")


def _flat(value: float) -> np.ndarray:
    return np.full(N_ETA_BINS, value)


def test_bias_hand_computed():
    """δk/k = A − ε k + q M/k for A = 1e-3, ε = 1e-3 GeV, M = 1e-5/GeV at pT = 40 GeV."""
    bias = CurvatureBias(A=_flat(1e-3), epsilon=_flat(1e-3), M=_flat(1e-5))
    delta = 1e-3 - 1e-3 / 40.0 + 1e-5 * 40.0
    got = biased_pt(np.array([40.0]), np.array([0.3]), np.array([1]), bias)[0]
    assert got == pytest.approx(40.0 / (1 + delta), rel=1e-12)
    assert biased_pt(np.array([40.0]), np.array([0.3]), np.array([-1]), bias)[0] == pytest.approx(
        40.0 / (1 + 1e-3 - 1e-3 / 40.0 - 1e-5 * 40.0), rel=1e-12)


def test_binning_and_polynomial():
    assert eta_bin(np.array([-2.4, -2.35, 0.0, 2.39, 2.4, 3.0])).tolist() == [0, 0, 24, 47, 47, 47]
    assert per_bin([1.0, 2.0, 3.0]) == pytest.approx(1 + 2 * eta_centres() + 3 * eta_centres() ** 2)


def test_resolution_sizes(cfg):
    """~1% at 40 GeV in the barrel, 2-3% at |η| = 2.4, and the smearing follows the formula."""
    res = DetectorParams.from_config(cfg["detector"]).resolution
    barrel = relative_resolution(np.array([40.0]), np.array([0.05]), res)[0]
    forward = relative_resolution(np.array([40.0]), np.array([2.35]), res)[0]
    assert 0.007 < barrel < 0.012
    assert 0.018 < forward < 0.03
    n = 40000
    z = np.random.default_rng(3).standard_normal(n)
    zero = CurvatureBias(_flat(0.0), _flat(0.0), _flat(0.0))
    pt = reconstruct_pt(np.full(n, 40.0), np.full(n, 0.05), np.ones(n), zero, res, z)
    assert np.std(1.0 / pt) * 40.0 == pytest.approx(barrel, rel=0.03)


def _z_mass(reco, truth):
    mu = reco.mu
    n_global = np.bincount(mu["event_index"][mu["is_global"]], minlength=len(truth))
    two = np.repeat((mu["counts"] == 2) & (n_global == 2), mu["counts"])
    ev = mu["event_index"][two]
    m = pair_mass(ev, mu["pt"][two], mu["eta"][two], mu["phi"][two], M_MU, len(truth))
    sel = np.bincount(ev, minlength=len(truth)) == 2
    return m, sel


def _analytic_shift(truth, bias):
    """⟨m_biased/m − 1⟩ = ⟨sqrt(s1 s2)⟩ − 1 with s = pT_reco/pT_true (massless muons, fixed angles)."""
    s = biased_pt(truth.mu_pt, truth.mu_eta, truth.mu_charge, bias) / truth.mu_pt
    return np.sqrt(s[:, 0] * s[:, 1]) - 1.0


@pytest.mark.parametrize("which", ["simulation", "data"])
def test_z_peak_moves_as_bias_predicts(cfg, which):
    """Same random numbers with and without the curvature bias: the Z mass moves by the analytic amount."""
    det = cfg["detector"] if which == "simulation" else deep_merge(cfg["detector"], cfg["pseudodata"]["detector"])
    unbiased = deep_merge(det, {"curvature": {"A": [0.0], "epsilon": [0.0], "M": [0.0]}})
    truth = make_truth("zmumu", 30000, seed=7)
    params, params0 = DetectorParams.from_config(det), DetectorParams.from_config(unbiased)
    m_b, sel = _z_mass(simulate(truth, params, "zmumu", np.random.default_rng(5)), truth)
    m_0, sel0 = _z_mass(simulate(truth, params0, "zmumu", np.random.default_rng(5)), truth)
    assert np.array_equal(sel, sel0)
    measured = np.mean(m_b[sel] / m_0[sel] - 1.0)
    expected = np.mean(_analytic_shift(truth, params.curvature)[sel])
    assert measured == pytest.approx(expected, abs=2e-6)
    shift_mev = expected * 91187.6
    assert (-25 < shift_mev < -5) if which == "simulation" else (-60 < shift_mev < -25)


def test_jpsi_and_z_see_different_biases(cfg):
    """The ε (energy loss) term weighs ~10× more at J/ψ momenta than at Z momenta."""
    det = deep_merge(cfg["detector"], cfg["pseudodata"]["detector"])
    bias = DetectorParams.from_config(det).curvature
    acc = lambda t: t.mu_valid.all(1) & (np.abs(t.mu_eta) < 2.4).all(1)  # noqa: E731
    z, j = make_truth("zmumu", 20000, seed=1), make_truth("jpsi", 20000, seed=2)
    shift_z = np.mean(_analytic_shift(z, bias)[acc(z)])
    shift_j = np.mean(_analytic_shift(j, bias)[acc(j)])
    assert abs(shift_j - shift_z) > 2e-5
