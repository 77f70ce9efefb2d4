"""QED FSR, pT^V weights, tau decays and the non-Drell-Yan samples of the fast truth generator."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tests.conftest import REPO
from wmass import constants
from wmass.config import load_config
from wmass.generate.processes import PROCESSES, cross_section_pb, generate_truth
from wmass.rng import chunk_rng
from wmass.theory.qed import fsr_beta, fsr_exponent
from wmass.truth import TruthEvents

N = 60_000


@pytest.fixture(scope="module")
def params() -> dict:
    return load_config(REPO / "config" / "config.yaml")["generator"]


@pytest.mark.parametrize("process", PROCESSES)
def test_record_is_consistent(params: dict, process: str) -> None:
    ev = generate_truth(process, 2000, 500, chunk_rng(3, process, 0), params)
    assert isinstance(ev, TruthEvents) and len(ev) == 2000
    assert ev.event[0] == 500 and ev.event.dtype == np.uint64
    for name in ("mu_valid", "mu_pt", "mu_eta", "mu_phi", "mu_charge", "mu_prompt", "mu_pt_prefsr", "mu_cone_had_pt"):
        assert getattr(ev, name).shape == (2000, 2), name
    assert np.all(ev.mu_valid.any(axis=1))
    assert np.all(ev.mu_pt[~ev.mu_valid] == 0) and np.all(ev.mu_charge[~ev.mu_valid] == 0)
    assert np.all(ev.mu_pt <= ev.mu_pt_prefsr)
    assert np.all(np.isfinite(ev.mu_eta)) and np.all(np.abs(ev.mu_charge[ev.mu_valid]) == 1)
    assert ev.gen_weight.sum() == pytest.approx(cross_section_pb(process, params))
    for key, w in ev.weights.items():
        assert w.shape[0] == 2000 and w.shape[1] == len(ev.weight_labels[key]), key
        assert np.all(np.isfinite(w)), key


def test_fsr_rate_and_off_weight(params: dict) -> None:
    ev = generate_truth("zmumu", N, 0, chunk_rng(4, "zmumu", 0), params)
    emitted = ev.mu_pt < ev.mu_pt_prefsr
    expected = 1.0 - np.exp(-fsr_beta(ev.m_v, params["fsr"]["alpha"], constants.M_MU) * fsr_exponent(params["fsr"]["z_min"]))
    n_exp = 2 * expected.sum()
    assert emitted.sum() == pytest.approx(n_exp, abs=4 * np.sqrt(n_exp))
    # the "off" weight turns the dressed spectrum into the bare one
    bins = np.linspace(20, 60, 21)
    w_off = ev.weights["fsr"][:, 0].astype(float)
    h_off, _ = np.histogram(ev.mu_pt[:, 0], bins, weights=w_off)
    h_off2, _ = np.histogram(ev.mu_pt[:, 0], bins, weights=w_off**2)
    h_pre, _ = np.histogram(ev.mu_pt_prefsr[:, 0], bins)
    chi2 = ((h_off - h_pre) ** 2 / (h_off2 + h_pre)).sum() / (bins.size - 1)
    assert chi2 < 2.0
    pre, post = ev.mu_pt_prefsr[:, 0], ev.mu_pt[:, 0]
    loss = pre.mean() - post.mean()
    assert 0.1 < loss < 1.5  # GeV: FSR softens the muons
    assert abs((w_off * post).sum() / w_off.sum() - pre.mean()) < 0.3 * loss
    # FSR lowers the dimuon mass: the bare-to-dressed shift is a few hundred MeV on average
    dm = _mass(ev, ev.mu_pt_prefsr) - _mass(ev, ev.mu_pt)
    assert 0.2 < dm.mean() < 2.0


def _mass(ev: TruthEvents, pt: np.ndarray) -> np.ndarray:
    px, py, pz = pt * np.cos(ev.mu_phi), pt * np.sin(ev.mu_phi), pt * np.sinh(ev.mu_eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + constants.M_MU**2)
    return np.sqrt(e.sum(1) ** 2 - px.sum(1) ** 2 - py.sum(1) ** 2 - pz.sum(1) ** 2)


@pytest.mark.parametrize(("key", "size"), [("pt0_gev", "pt0_rel"), ("lambda_gev", "lambda_rel")])
def test_ptv_weight_reproduces_regeneration(params: dict, key: str, size: str) -> None:
    n = 3 * N  # the variations move the spectrum by a few % per bin: enough events to see it
    nominal = generate_truth("wminus", n, 0, chunk_rng(5, "wminus", 0), params)
    alt = copy.deepcopy(params)
    alt["w"]["ptv"][key] *= 1.0 + params["ptv_variations"][size]
    regen = generate_truth("wminus", n, 0, chunk_rng(6, "wminus", 0), alt)
    col = nominal.weight_labels["ptv"].index(f"{key}Up")
    w = nominal.weights["ptv"][:, col].astype(float)
    bins = np.quantile(regen.pt_v, np.linspace(0.0, 1.0, 16))  # equal-population bins of the regenerated spectrum
    hw, _ = np.histogram(nominal.pt_v, bins, weights=w)
    hw2, _ = np.histogram(nominal.pt_v, bins, weights=w * w)
    hr, _ = np.histogram(regen.pt_v, bins)
    hn, _ = np.histogram(nominal.pt_v, bins)
    assert ((hw - hr) ** 2 / (hw2 + hr)).sum() / (bins.size - 1) < 2.0
    assert ((hn - hr) ** 2 / (hn + hr)).sum() / (bins.size - 1) > 4.0
    assert w.mean() == pytest.approx(1.0, abs=3 * w.std() / np.sqrt(n) + 1e-3)


def test_tau_samples_softer_and_polarised(params: dict) -> None:
    mu = generate_truth("wplus", N, 0, chunk_rng(7, "wplus", 0), params)
    tau = generate_truth("wtaunu", N, 0, chunk_rng(7, "wtaunu", 0), params)
    assert tau.mu_pt[:, 0].mean() < 0.5 * mu.mu_pt[:, 0].mean()
    flipped = copy.deepcopy(params)
    flipped["tau"]["polarisation_w"] = 1.0
    right = generate_truth("wtaunu", N, 0, chunk_rng(7, "wtaunu", 0), flipped)
    # a left-handed tau- (P = -1, V-A) gives harder muons than a right-handed one
    assert tau.mu_pt[:, 0].mean() > right.mu_pt[:, 0].mean() + 0.5
    z = generate_truth("ztautau", N, 0, chunk_rng(7, "ztautau", 0), params)
    both = z.mu_valid.all(axis=1).mean()
    assert both == pytest.approx(0.1739 / (2 - 0.1739), abs=0.01)
    nu = np.hypot(z.nu_px, z.nu_py)
    assert np.median(nu) > 5.0


def test_backgrounds(params: dict) -> None:
    jpsi = generate_truth("jpsi", N, 0, chunk_rng(8, "jpsi", 0), params)
    m = _mass(jpsi, jpsi.mu_pt_prefsr)
    np.testing.assert_allclose(m, constants.M_JPSI, rtol=1e-6)
    assert np.median(_mass(jpsi, jpsi.mu_pt)) == pytest.approx(constants.M_JPSI, abs=1e-3)
    assert 2.5 < np.median(jpsi.mu_pt) < 8.0
    qcd = generate_truth("qcd", N, 0, chunk_rng(8, "qcd", 0), params)
    assert not qcd.mu_prompt.any()
    sel = qcd.mu_pt[:, 0] > 26
    iso = qcd.mu_cone_had_pt[sel, 0] / qcd.mu_pt[sel, 0]
    assert np.median(iso) > 0.3 and 0.005 < np.mean(iso < 0.15) < 0.3  # mostly non-isolated
    rare = generate_truth("rare", N, 0, chunk_rng(8, "rare", 0), params)
    wplus = generate_truth("wplus", N, 0, chunk_rng(8, "wplus", 0), params)
    assert rare.mu_prompt[:, 0].all()
    assert rare.mu_pt[:, 0].mean() > wplus.mu_pt[:, 0].mean() + 5
    met = np.hypot(rare.nu_px, rare.nu_py)
    np.testing.assert_allclose(rare.recoil_px + rare.nu_px + rare.mu_pt[:, 0] * np.cos(rare.mu_phi[:, 0]), 0, atol=1e-6)
    assert np.median(met) > 30


@pytest.mark.parametrize("process", ["zmumu", "wtaunu"])
def test_processor_path_recomputes_stored_weights(params: dict, process: str) -> None:
    """Weights not stored can be computed from the truth record with the very same function."""
    from wmass.generate.weights import WEIGHT_GROUPS, weights_from_truth

    ev = generate_truth(process, 5000, 0, chunk_rng(9, process, 0), params)
    again, labels = weights_from_truth(WEIGHT_GROUPS, ev.v_pdgid, ev.m_v, ev.y_v, ev.pt_v, ev.x1, ev.x2, ev.id1,
                                       ev.id2, ev.cos_theta_cs, ev.phi_cs, ev.mu_valid, ev.mu_pt, ev.mu_pt_prefsr,
                                       process == "zmumu", params)
    assert labels == ev.weight_labels
    for group in WEIGHT_GROUPS:
        np.testing.assert_array_equal(again[group], ev.weights[group])
    if process == "wtaunu":  # no FSR simulated off tau-decay muons: its weights are 1
        np.testing.assert_array_equal(ev.weights["fsr"], 1.0)


def test_helicity_weights_are_density_ratios() -> None:
    """Each helicity column is the exact ratio of the angular densities with one A_i shifted."""
    from wmass.theory.angular import ODD, angular_density, helicity_weights

    rng = np.random.default_rng(1)
    cos, phi = rng.uniform(-1, 1, 500), rng.uniform(0, 2 * np.pi, 500)
    coeff, s_q = rng.normal(0, 0.1, (500, 8)), np.sign(rng.normal(size=500))
    p = {"variation_rel": [0.1, 0.2, 0.1, 0.3, 0.1], "variation_abs": [0.01, 0.0, 0.02, 0.01, 0.05]}
    w = helicity_weights(cos, phi, coeff, s_q, p)
    nominal = angular_density(cos, phi, coeff)
    for i in range(5):
        for col, sign in ((2 * i, 1.0), (2 * i + 1, -1.0)):
            alt = coeff.copy()
            shift = p["variation_rel"][i] * np.abs(coeff[:, i]) + p["variation_abs"][i]
            alt[:, i] += sign * shift * (s_q if i in ODD else 1.0)
            np.testing.assert_allclose(w[:, col], angular_density(cos, phi, alt) / nominal, rtol=1e-5)


def test_qcd_muon_filter_keeps_sigma_times_lumi(params: dict) -> None:
    """The MuEnriched-like filter: every muon passes it, gen_weight sums to xsec × efficiency, and the
    weighted yield of selectable muons (pT > 26 GeV, |η| < 2.4) equals that of an unfiltered sample."""
    filt = generate_truth("qcd", N, 0, chunk_rng(9, "qcd", 0), params)
    p = params["qcd"]
    assert np.all(filt.mu_pt[:, 0] > p["filter_mu_pt_min_gev"]) and np.all(np.abs(filt.mu_eta[:, 0]) < p["filter_mu_eta_max"])
    eff = cross_section_pb("qcd", params) / p["xsec_pb"]
    assert 0.05 < eff < 0.9 and filt.gen_weight.sum() == pytest.approx(p["xsec_pb"] * eff)
    off = copy.deepcopy(params)
    off["qcd"].update(filter_mu_pt_min_gev=0.0, filter_mu_eta_max=100.0)
    assert cross_section_pb("qcd", off) == pytest.approx(p["xsec_pb"])
    raw = generate_truth("qcd", N, 0, chunk_rng(9, "qcd", 1), off)
    kept = (raw.mu_pt[:, 0] > p["filter_mu_pt_min_gev"]) & (np.abs(raw.mu_eta[:, 0]) < p["filter_mu_eta_max"])
    assert kept.mean() == pytest.approx(eff, abs=4 * np.sqrt(eff * (1 - eff) / N))

    def yield_pb(ev: TruthEvents) -> tuple[float, float]:
        sel = (ev.mu_pt[:, 0] > 26.0) & (np.abs(ev.mu_eta[:, 0]) < 2.4)
        return float(ev.gen_weight[sel].sum()), float(np.sqrt((ev.gen_weight[sel] ** 2).sum()))

    (a, da), (b, db) = yield_pb(filt), yield_pb(raw)
    assert abs(a - b) < 4 * np.hypot(da, db), (a, b)
    again = generate_truth("qcd", N, 0, chunk_rng(9, "qcd", 0), params)
    np.testing.assert_array_equal(again.mu_pt, filt.mu_pt)
