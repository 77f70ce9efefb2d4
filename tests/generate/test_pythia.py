"""The Pythia 8 cross-check generator on its own: determinism, record consistency, basic physics."""

from __future__ import annotations

import numpy as np
import pytest

from wmass.generate.pythia import (
    PythiaSetup,
    generate_pythia,
    generate_truth_pythia,
    pythia_settings,
    setup_from_params,
)
from wmass.rng import chunk_rng
from wmass.truth import TruthEvents

pytest.importorskip("pythia8mc")


def _arrays(ev: TruthEvents) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(ev).items() if isinstance(v, np.ndarray)}


def test_same_seed_same_events_and_rng_drives_seed() -> None:
    a = generate_truth_pythia("wplus", 300, 1000, chunk_rng(7, "wplus", 3), {})
    b = generate_truth_pythia("wplus", 300, 1000, chunk_rng(7, "wplus", 3), {})
    for name, arr in _arrays(a).items():
        np.testing.assert_array_equal(arr, _arrays(b)[name], err_msg=name)
    c = generate_truth_pythia("wplus", 300, 1000, chunk_rng(7, "wplus", 4), {})
    assert not np.array_equal(a.pt_v, c.pt_v)
    np.testing.assert_array_equal(a.event, np.arange(1000, 1300, dtype=np.uint64))


@pytest.mark.parametrize("process", ["wplus", "wminus", "zmumu"])
def test_record_is_consistent(process: str) -> None:
    ev = generate_pythia(process, 1500, 11)
    n = len(ev)
    z = process == "zmumu"
    assert ev.mu_valid[:, 0].all() and (ev.mu_valid[:, 1] == z).all()
    expect_q = [-1, 1] if z else [1 if process == "wplus" else -1, 0]
    assert (ev.mu_charge == np.array(expect_q, dtype=np.int8)).all()
    # x1 x2 s = m² at LO (hard-process partons), valence-sea flavour of the right charge
    np.testing.assert_allclose(ev.x1 * ev.x2 * 13000.0**2, ev.m_v**2, rtol=1e-9)
    charge3 = {1: -1, 2: 2, 3: -1, 4: 2, 5: -1}
    q = np.array([np.sign(i) * charge3[abs(i)] for i in ev.id1]) + np.array([np.sign(i) * charge3[abs(i)] for i in ev.id2])
    assert (q == {"wplus": 3, "wminus": -3, "zmumu": 0}[process]).all()
    # recoil balances the boson; pT^V > 0 from the ISR shower with a mean of O(10-20 GeV)
    np.testing.assert_allclose(np.hypot(ev.recoil_px, ev.recoil_py), ev.pt_v)
    assert 8.0 < np.median(ev.pt_v) < 16.0
    # QED FSR only lowers the muon pT on average, a few hundred MeV
    loss = (ev.mu_pt_prefsr - ev.mu_pt)[:, 0]
    assert 0.2 < loss.mean() < 1.5 and np.mean(loss > 0.01) > 0.05
    # mass peak at the pole, Collins-Soper angles in range, 1 + cos²θ like (⟨cos²θ⟩ ≈ 0.4)
    pole = 91.1876 if z else 80.37
    assert abs(np.median(ev.m_v) - pole) < 1.0
    assert (np.abs(ev.cos_theta_cs) <= 1).all() and ((ev.phi_cs >= 0) & (ev.phi_cs < 2 * np.pi)).all()
    assert 0.36 < np.mean(ev.cos_theta_cs**2) < 0.44
    assert ev.gen_weight.shape == (n,) and ev.gen_weight[0] * n > 1000.0  # σ·BR in pb


def test_neutrino_balances_w() -> None:
    ev = generate_pythia("wminus", 500, 3, PythiaSetup(qed_fsr=False))
    # without FSR the muon and the neutrino sum to the W
    mu_px = ev.mu_pt[:, 0] * np.cos(ev.mu_phi[:, 0])
    np.testing.assert_allclose(mu_px + ev.nu_px, -ev.recoil_px, atol=1e-6)
    np.testing.assert_allclose(ev.mu_pt, ev.mu_pt_prefsr)


def test_settings_and_params() -> None:
    setup = setup_from_params(
        {"pdf": {"set": "CT14qed_proton"}, "w": {"mass_gev": None, "width_gev": 2.0, "mass_window_gev": [50, 110]},
         "y_max": 4.0, "fsr": {"enabled": False}, "pythia": {"isr": False, "extra": ["Tune:pp = 14"]}}
    )
    assert setup.gamma_w == 2.0 and setup.w_mass_range == (50.0, 110.0) and setup.y_max == 4.0 and not setup.qed_fsr
    assert setup.pdf_set == "CT14qed_proton" and not setup.isr and setup.extra == ("Tune:pp = 14",)
    lines = pythia_settings("wminus", 5, setup)
    assert "24:onNegIfAny = 13" in lines and "PartonLevel:ISR = off" in lines and lines[-1] == "Tune:pp = 14"
    assert any(line.endswith("CT14qed_proton_0000.dat") for line in lines)
    with pytest.raises(ValueError, match="qcd"):
        pythia_settings("qcd", 5, setup)
    with pytest.raises(FileNotFoundError):
        pythia_settings("zmumu", 5, PythiaSetup(pdf_set="NoSuchSet"))


def test_rapidity_cut_and_k_factor() -> None:
    full = generate_pythia("zmumu", 400, 9)
    cut = generate_pythia("zmumu", 400, 9, PythiaSetup(y_max=1.0, z_k_factor=1.2))
    assert np.all(np.abs(0.5 * np.log(cut.x1 / cut.x2)) < 1.0)
    # |y| < 1 keeps ~35% of the Z; K scales σ
    frac = cut.gen_weight.sum() / 1.2 / full.gen_weight.sum()
    assert 0.25 < frac < 0.5, frac


def test_dispatcher_uses_fast_generator_for_other_processes() -> None:
    from tests.helpers import REPO
    from wmass.config import load_config
    from wmass.generate.processes import generate_truth
    from wmass.generate.pythia import generate_truth_with_pythia

    params = load_config(REPO / "config" / "config.yaml")["generator"]
    a = generate_truth_with_pythia("qcd", 50, 0, chunk_rng(1, "qcd", 0), params)
    b = generate_truth("qcd", 50, 0, chunk_rng(1, "qcd", 0), params)
    np.testing.assert_array_equal(a.mu_pt, b.mu_pt)
    c = generate_truth_with_pythia("wminus", 50, 0, chunk_rng(1, "w", 0), params)
    d = generate_truth_pythia("wminus", 50, 0, chunk_rng(1, "w", 0), params)
    np.testing.assert_array_equal(c.pt_v, d.pt_v)
