"""Isolation, pile-up, recoil / pT^miss / mT, electrons, and the J/ψ trigger."""

import numpy as np
import pytest

from tests.synthetic import make_truth
from wmass.config import load_config
from wmass.constants import M_W
from wmass.detector.params import DetectorParams
from wmass.detector.recoil import missing_pt, transverse_mass
from wmass.detector.simulate import simulate


@pytest.fixture(scope="module")
def det():
    return DetectorParams.from_config(load_config("config/config.yaml")["detector"])


@pytest.fixture(scope="module")
def w_events(det):
    truth = make_truth("wminus", 40000, seed=21)
    return truth, simulate(truth, det, "wminus", np.random.default_rng(3))


@pytest.fixture(scope="module")
def qcd_events(det):
    truth = make_truth("qcd", 40000, seed=22)
    return truth, simulate(truth, det, "qcd", np.random.default_rng(4))


def _leading(reco):
    first = np.cumsum(reco.mu["counts"]) - reco.mu["counts"]
    has = reco.mu["counts"] > 0
    return {k: v[first[has]] for k, v in reco.mu.items() if k != "counts"}, has


def _mt(reco):
    lead, has = _leading(reco)
    return transverse_mass(lead["pt"], lead["phi"], reco.met_pt[has], reco.met_phi[has]), lead


def test_prompt_isolated_nonprompt_not(w_events, qcd_events):
    (_, w), (_, q) = w_events, qcd_events
    sel_w = w.mu["is_global"] & (w.mu["pt"] > 26)
    sel_q = q.mu["is_global"] & (q.mu["pt"] > 26)
    assert (w.mu["iso"][sel_w] < 0.15).mean() > 0.96
    assert (q.mu["iso"][sel_q] < 0.15).mean() < 0.25


def test_qcd_isolation_mt_correlation(qcd_events):
    """Nonprompt muons: more isolated → less hadronic activity along the muon → larger mT."""
    mt, lead = _mt(qcd_events[1])
    sel = lead["is_global"] & (lead["pt"] > 26)
    iso, mt = lead["iso"][sel], mt[sel]
    assert np.corrcoef(iso, mt)[0, 1] < -0.1


def test_w_jacobian_peak(w_events):
    """The mT distribution of selected W events peaks near m_W (below it, smeared by the recoil)."""
    mt, lead = _mt(w_events[1])
    sel = lead["medium"] & (lead["pt"] > 26) & (lead["pt"] < 56) & (lead["iso"] < 0.15)
    hist, edges = np.histogram(mt[sel], bins=np.arange(0, 120, 4))
    peak = edges[np.argmax(hist)] + 2
    assert 60 < peak < M_W + 4
    assert (mt[sel] > 40).mean() > 0.75


def test_pileup_and_met(w_events, det):
    truth, reco = w_events
    assert reco.n_true_int.mean() == pytest.approx(det.pileup.mean, abs=0.2)
    assert reco.npvs.mean() == pytest.approx(det.pileup.vertex_eff * (det.pileup.mean + 1), rel=0.02)
    resid = reco.met_pt * np.cos(reco.met_phi) - truth.nu_px
    assert 8 < np.std(resid) < 25
    assert missing_pt(np.array([3.0]), np.array([4.0]), np.array([0.0]), np.array([0.0]))[0] == pytest.approx(5.0)


def test_electron_veto_does_something(w_events):
    reco = w_events[1]
    el = reco.el
    loose = (el["pt"] > 10) & (np.abs(el["eta"]) < 2.4) & (el["cut_based"] >= 2)
    frac = np.mean(np.bincount(el["event_index"][loose], minlength=len(reco)) > 0)
    assert 0.003 < frac < 0.05


def test_jpsi_dimuon_trigger(det):
    truth = make_truth("jpsi", 30000, seed=23)
    reco = simulate(truth, det, "jpsi", np.random.default_rng(5))
    assert 0.05 < reco.hlt_jpsi.mean() < 0.6
    assert reco.mu["jpsi_leg"].sum() == 2 * reco.hlt_jpsi.sum()
