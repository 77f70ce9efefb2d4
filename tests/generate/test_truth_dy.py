"""Physics facts of the fast W/Z truth generator (line shape, Jacobian peak, weights, angles)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tests.conftest import REPO
from wmass import constants
from wmass.config import load_config
from wmass.generate.processes import cross_section_pb, generate_truth
from wmass.rng import chunk_rng
from wmass.theory.angular import angular_coefficients, angular_density, quark_sign

N = 100_000


@pytest.fixture(scope="module")
def params() -> dict:
    return load_config(REPO / "config" / "config.yaml")["generator"]


@pytest.fixture(scope="module")
def wplus(params: dict):  # type: ignore[no-untyped-def]
    return generate_truth("wplus", N, 0, chunk_rng(1, "wplus", 0), params)


@pytest.fixture(scope="module")
def wminus(params: dict):  # type: ignore[no-untyped-def]
    return generate_truth("wminus", N, 0, chunk_rng(1, "wminus", 0), params)


@pytest.fixture(scope="module")
def zmumu(params: dict):  # type: ignore[no-untyped-def]
    return generate_truth("zmumu", N, 0, chunk_rng(1, "zmumu", 0), params)


def test_same_rng_state_is_bit_identical(params: dict) -> None:
    a = generate_truth("wminus", 3000, 10, chunk_rng(5, "wminus", 2), params)
    b = generate_truth("wminus", 3000, 10, chunk_rng(5, "wminus", 2), params)
    c = generate_truth("wminus", 3000, 10, chunk_rng(5, "wminus", 3), params)
    for f in ("m_v", "y_v", "pt_v", "mu_pt", "mu_eta", "cos_theta_cs", "nu_px"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
        assert not np.array_equal(getattr(a, f), getattr(c, f)), f
    for k in a.weights:
        assert np.array_equal(a.weights[k], b.weights[k]), k
    assert a.event[0] == 10 and a.event[-1] == 3009


def _fit_line_shape(m: np.ndarray, m0: float, g0: float) -> tuple[float, float]:
    """Binned Poisson fit of m / ((m² - M²)² + m⁴Γ²/M²) exp(k (m - M)) (the smooth parton luminosity)."""
    from scipy.optimize import minimize

    h, e = np.histogram(m, bins=np.linspace(m0 - 4 * g0, m0 + 4 * g0, 81))
    c = 0.5 * (e[1:] + e[:-1])

    def nll(p: np.ndarray) -> float:
        mass, width, k = p
        f = c / ((c * c - mass * mass) ** 2 + c**4 * width**2 / mass**2) * np.exp(k * (c - m0))
        mu = f / f.sum() * h.sum()
        return float((mu - h * np.log(mu)).sum())

    res = minimize(nll, [m0 + 0.2, g0 * 1.1, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-5, "fatol": 1e-6, "maxiter": 4000})
    return float(res.x[0]), float(res.x[1])


def test_line_shape_reproduces_mass_and_width(wplus, zmumu) -> None:  # type: ignore[no-untyped-def]
    for ev, m0, g0 in ((wplus, constants.M_W, constants.GAMMA_W), (zmumu, constants.M_Z, constants.GAMMA_Z)):
        mass, width = _fit_line_shape(ev.m_v, m0, g0)
        assert mass == pytest.approx(m0, abs=0.03)  # stat. ~ 10 MeV
        assert width == pytest.approx(g0, rel=0.03)


def test_jacobian_peak_and_cross_sections(params: dict, wplus, wminus) -> None:  # type: ignore[no-untyped-def]
    h, edges = np.histogram(wplus.mu_pt_prefsr[:, 0], bins=np.arange(20.0, 60.0, 1.0))
    peak = edges[np.argmax(h)] + 0.5
    assert 36.0 < peak < constants.M_W / 2 + 1.0
    assert h[-1] < 0.2 * h.max()  # falls beyond the edge
    ratio = cross_section_pb("wplus", params) / cross_section_pb("wminus", params)
    assert 1.25 < ratio < 1.45
    assert 10_000 < cross_section_pb("wplus", params) < 13_500
    assert wplus.gen_weight.sum() == pytest.approx(cross_section_pb("wplus", params))


def test_muon_charge_asymmetry_from_pdfs(params: dict, wplus, wminus) -> None:  # type: ignore[no-untyped-def]
    bins = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.4])
    counts = []
    for ev, proc in ((wplus, "wplus"), (wminus, "wminus")):
        sel = ev.mu_pt[:, 0] > 25
        h, _ = np.histogram(np.abs(ev.mu_eta[sel, 0]), bins=bins)
        counts.append(h * cross_section_pb(proc, params) / len(ev))
    asym = (counts[0] - counts[1]) / (counts[0] + counts[1])
    # measured at 13 TeV (pT > 25 GeV): about 0.1 at eta = 0 rising towards 0.2 at |eta| = 2.4; LO here
    assert 0.05 < asym[0] < 0.2
    assert asym[-1] > asym[0] + 0.05


def test_mass_weights_smooth_and_normalised(wplus) -> None:  # type: ignore[no-untyped-def]
    w = wplus.weights["mass"].astype(float)
    labels = wplus.weight_labels["mass"]
    assert len(labels) == 21 and labels[10] == "massShift+0MeV"
    np.testing.assert_allclose(w[:, 10], 1.0, rtol=1e-6)
    means = w.mean(axis=0)
    err = w.std(axis=0) / np.sqrt(len(w))
    assert np.all(np.abs(means - 1.0) < 3 * err + 2e-4)
    pt = wplus.mu_pt[:, 0]
    mean_pt = (w * pt[:, None]).sum(axis=0) / w.sum(axis=0)
    shifts = np.arange(-100, 101, 10)
    slope, icpt = np.polyfit(shifts, mean_pt, 1)
    assert 0.2e-3 < slope < 0.8e-3  # GeV per MeV: <pT> moves by about half the mass shift
    assert np.abs(mean_pt - (slope * shifts + icpt)).max() < 2e-3  # smooth (linear)


def test_mass_weight_matches_regeneration(params: dict, wplus) -> None:  # type: ignore[no-untyped-def]
    """<pT_mu> with the +100 MeV weight equals that of a sample generated at m_W + 100 MeV."""
    shifted = copy.deepcopy(params)
    shifted["w"]["mass_gev"] = constants.M_W + 0.1
    shifted["w"]["width_gev"] = constants.GAMMA_W * ((constants.M_W + 0.1) / constants.M_W) ** 3
    regen = generate_truth("wplus", N, 0, chunk_rng(1, "wplus", 0), shifted)  # same random numbers
    w = wplus.weights["mass"][:, 20].astype(float)
    pt, pt_regen = wplus.mu_pt[:, 0], regen.mu_pt[:, 0]
    d_weight = (w * pt).sum() / w.sum() - pt.mean()
    d_regen = pt_regen.mean() - pt.mean()
    # the generator draws a fixed count of random numbers per event, so the two samples are
    # event-by-event correlated and their difference is precise; the weighted shift has its own noise
    err = np.hypot(np.sqrt(((w - 1) ** 2 * (pt - pt.mean()) ** 2).sum()) / w.sum(),
                   (pt_regen - pt).std() / np.sqrt(pt.size))
    assert 0.02 < d_regen < 0.06
    assert abs(d_weight - d_regen) < 3 * err + 1e-3
    assert d_regen > 6 * err  # a missing or wrong-sign weight would fail


def _cs_angles(l1: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """cosθ_CS of particle 1 from lab four-vectors (E, px, py, pz), arXiv:1606.00689 eq. 3."""
    q = l1 + l2
    m = np.sqrt(q[0] ** 2 - q[1] ** 2 - q[2] ** 2 - q[3] ** 2)
    mt = np.sqrt(m**2 + q[1] ** 2 + q[2] ** 2)
    p1p, p1m = (l1[0] + l1[3]) / np.sqrt(2), (l1[0] - l1[3]) / np.sqrt(2)
    p2p, p2m = (l2[0] + l2[3]) / np.sqrt(2), (l2[0] - l2[3]) / np.sqrt(2)
    return np.sign(q[3]) * 2 * (p1p * p2m - p1m * p2p) / (m * mt)


def _four(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mass: float) -> np.ndarray:
    pz = pt * np.sinh(eta)
    return np.stack([np.sqrt(pt**2 + pz**2 + mass**2), pt * np.cos(phi), pt * np.sin(phi), pz])


def test_stored_cs_angle_matches_lab_leptons(zmumu) -> None:  # type: ignore[no-untyped-def]
    ev = zmumu
    mum = _four(ev.mu_pt_prefsr[:, 0], ev.mu_eta[:, 0], ev.mu_phi[:, 0], constants.M_MU)
    mup = _four(ev.mu_pt_prefsr[:, 1], ev.mu_eta[:, 1], ev.mu_phi[:, 1], constants.M_MU)
    np.testing.assert_allclose(_cs_angles(mum, mup), ev.cos_theta_cs, atol=2e-4)
    q = mum + mup
    np.testing.assert_allclose(np.hypot(q[1], q[2]), ev.pt_v, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(-ev.recoil_px, q[1], atol=1e-6)


@pytest.mark.parametrize("sample", ["wplus", "zmumu"])
def test_angular_moments_reproduce_coefficients(request, sample: str) -> None:  # type: ignore[no-untyped-def]
    ev = request.getfixturevalue(sample)
    params = request.getfixturevalue("params")
    sel = (ev.pt_v > 12) & (ev.pt_v < 60)
    c, ph = ev.cos_theta_cs[sel], ev.phi_cs[sel]
    s = np.sqrt(1 - c * c)
    coeff = _coefficients(ev, params)[sel]
    moments = {0: 4 - 10 * c * c, 1: 5 * 2 * s * c * np.cos(ph), 2: 10 * s * s * np.cos(2 * ph),
               3: 4 * s * np.cos(ph), 4: 4 * c}
    for i, mom in moments.items():
        err = mom.std() / np.sqrt(mom.size)
        assert mom.mean() == pytest.approx(coeff[:, i].mean(), abs=4 * err), i
    # the test has power: A0 (and for W A4) are resolved many standard deviations from 0
    signif = [abs(coeff[:, i].mean()) / (moments[i].std() / np.sqrt(sel.sum())) for i in (0, 4)]
    assert max(signif) > 4


def _coefficients(ev, params: dict) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A_i of each event recomputed from its stored truth (as the processors do)."""
    from wmass.generate.partons import z_sigma_a4

    s_q = quark_sign(ev.id1, ev.y_v)
    if ev.v_pdgid[0] == 23:
        quark = np.where(ev.id1 > 0, ev.id1, ev.id2)
        a4 = z_sigma_a4(ev.m_v**2, quark, constants.M_Z, constants.GAMMA_Z, params["electroweak"])[1]
    else:
        a4 = np.where(ev.v_pdgid > 0, -2.0, 2.0)
    return angular_coefficients(ev.pt_v, ev.m_v, a4, s_q, params["angular"])


def test_reweighting_to_other_coefficients_reproduces_generation(params: dict, wplus) -> None:  # type: ignore[no-untyped-def]
    alt = copy.deepcopy(params)
    alt["angular"].update(a0_k=0.2, a4_scale=0.8, a1_coef=0.4)
    other = generate_truth("wplus", N, 0, chunk_rng(2, "wplus", 0), alt)
    nom_c, alt_c = _coefficients(wplus, params), _coefficients(wplus, alt)
    c, ph = wplus.cos_theta_cs, wplus.phi_cs
    w = angular_density(c, ph, alt_c) / angular_density(c, ph, nom_c)
    powers = []
    for var_nom, var_alt, bins in ((wplus.cos_theta_cs, other.cos_theta_cs, np.linspace(-1, 1, 21)),
                                   (wplus.mu_eta[:, 0], other.mu_eta[:, 0], np.linspace(-2.4, 2.4, 25))):
        hw, _ = np.histogram(var_nom, bins, weights=w)
        hw2, _ = np.histogram(var_nom, bins, weights=w * w)
        ha, _ = np.histogram(var_alt, bins)
        hn, _ = np.histogram(var_nom, bins)
        chi2 = ((hw - ha) ** 2 / (hw2 + ha)).sum() / (bins.size - 1)
        chi2_unweighted = ((hn - ha) ** 2 / (hn + ha)).sum() / (bins.size - 1)
        assert chi2 < 2.0
        powers.append(chi2_unweighted)
    assert max(powers) > 5.0  # the alternative is distinguishable without the weight
