"""The shared muon model: the curvature bias and its derivatives, the scale weights built on them,
the resolution, the efficiency steps and the pT smoothing basis of the scale factors."""

import numpy as np
import pytest

from wmass.analyses import efficiency as sf
from wmass.analyses import muonscale
from wmass.analyses.common import PER_MUON_GROUPS
from wmass.analyses.options import MUON_GROUPS
from wmass.detector import efficiency as det_eff
from wmass.muon.binning import N_ETA_BINS, eta_bin, per_bin
from wmass.muon.curvature import (
    CURVATURE_PARAMS,
    CurvatureBias,
    Resolution,
    biased_pt,
    curvature_bias,
    curvature_derivatives,
    reco_curvature,
    relative_bias_k,
    relative_resolution,
)
from wmass.muon.efficiency import PT_HIGH, PT_LOW, STEPS, legendre, unit_pt

RNG = np.random.default_rng(2024)
N = 2000
PT = RNG.uniform(3.0, 80.0, N)
ETA = RNG.uniform(-2.4, 2.4, N)
Q = np.where(RNG.random(N) < 0.5, -1, 1)


def _flat(value: float) -> np.ndarray:
    return np.full(N_ETA_BINS, value)


def _random_bias() -> CurvatureBias:
    return CurvatureBias(A=RNG.normal(0, 3e-4, N_ETA_BINS), epsilon=RNG.normal(0, 3e-4, N_ETA_BINS),
                         M=RNG.normal(0, 3e-6, N_ETA_BINS))


def _k_reco(bias: CurvatureBias) -> np.ndarray:
    idx = eta_bin(ETA)
    return reco_curvature(1.0 / PT, bias.A[idx], bias.epsilon[idx], bias.M[idx], Q)


def test_parameter_names():
    """Labels, nuisances and config keys call ε "e"; the dataclass spells it out."""
    assert CURVATURE_PARAMS == ("A", "e", "M")
    assert muonscale.SCALE_LABELS == ["A@eta", "e@eta", "M@eta", "closure@eta"]


def test_bias_is_the_documented_formula():
    """δk/k = A − ε k + q M / k, bit for bit in this order, and k_reco = k (1 + δk/k) = 1/biased pT."""
    bias = _random_bias()
    idx, k = eta_bin(ETA), 1.0 / PT
    expected = bias.A[idx] - bias.epsilon[idx] * k + Q * bias.M[idx] / k
    assert np.array_equal(curvature_bias(PT, ETA, Q, bias), expected)
    assert np.array_equal(relative_bias_k(k, bias.A[idx], bias.epsilon[idx], bias.M[idx], Q), expected)
    assert _k_reco(bias) == pytest.approx(1.0 / biased_pt(PT, ETA, Q, bias), rel=1e-13)


@pytest.mark.parametrize("which", range(3))
def test_derivatives_are_finite_differences(which):
    """∂k_reco/∂(A, ε, M) = (k, −k², q): central differences of the full model, in every η bin."""
    base = _random_bias()
    fields = ["A", "epsilon", "M"]
    h = [1e-5, 1e-5, 1e-7][which]

    def shifted(step: float) -> CurvatureBias:
        values = {f: getattr(base, f).copy() for f in fields}
        values[fields[which]] = values[fields[which]] + step
        return CurvatureBias(**values)

    numeric = (_k_reco(shifted(h)) - _k_reco(shifted(-h))) / (2 * h)
    analytic = np.broadcast_to(curvature_derivatives(1.0 / PT, Q)[which], PT.shape)
    assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-12)


def test_pure_a_scales_every_curvature_alike():
    """A alone (magnetic field): k_reco/k − 1 = A for every pT, η and charge."""
    bias = CurvatureBias(A=_flat(3e-4), epsilon=_flat(0.0), M=_flat(0.0))
    assert curvature_bias(PT, ETA, Q, bias) == pytest.approx(np.full(N, 3e-4), rel=1e-12)


def test_m_moves_charges_apart_proportionally_to_pt():
    """M alone (sagitta): δk/k = q M pT, opposite for μ⁺ and μ⁻ and growing linearly with pT."""
    bias = CurvatureBias(A=_flat(0.0), epsilon=_flat(0.0), M=_flat(2e-6))
    plus = curvature_bias(PT, ETA, np.ones(N), bias)
    minus = curvature_bias(PT, ETA, -np.ones(N), bias)
    assert np.array_equal(plus, -minus)
    assert plus / PT == pytest.approx(np.full(N, 2e-6), rel=1e-12)


def test_epsilon_weighs_at_low_pt_for_both_charges():
    """ε alone (energy loss): δk/k = −ε/pT, the same for both charges: 10× larger at 4 than at 40 GeV."""
    bias = CurvatureBias(A=_flat(0.0), epsilon=_flat(2e-4), M=_flat(0.0))
    pt = np.array([4.0, 40.0])
    for q in (-1, 1):
        d = curvature_bias(pt, np.zeros(2), np.full(2, q), bias)
        assert d == pytest.approx(-2e-4 / pt, rel=1e-12)


def test_scale_weights_use_the_model_derivatives():
    """muonscale's δk per component is size · ∂k_reco/∂p at the generator curvature, i.e. exactly the
    k shift of the model with that parameter set to its size; the weight shift is δk (k − k_g)/σ_k²."""
    sizes = {"A": 2.1e-5, "e": 3.0e-5, "M": 4.0e-7, "closure": 1e-5}
    poly = (0.009, 0.0, 0.003)
    gen_pt = PT
    pt = gen_pt * (1.0 + 0.01 * RNG.standard_normal(N))
    got = muonscale.scale_shifts(pt, gen_pt, ETA, Q, sizes, poly, None)
    kg, k = 1.0 / gen_pt, 1.0 / pt
    sigma_k = kg * np.polynomial.polynomial.polyval(np.abs(ETA), poly)
    pull = np.clip((k - kg) / sigma_k, -muonscale.PULL_MAX, muonscale.PULL_MAX)
    da, de, dm = curvature_derivatives(kg, Q)
    dk = np.stack([sizes["A"] * da, sizes["e"] * de, sizes["M"] * dm, sizes["closure"] * da], axis=1)
    assert np.array_equal(got, dk * (pull / sigma_k)[:, None])
    zero = np.zeros(N)
    for j, (a, e, m) in enumerate([(sizes["A"], 0.0, 0.0), (0.0, sizes["e"], 0.0), (0.0, 0.0, sizes["M"])]):
        moved = reco_curvature(kg, zero + a, zero + e, zero + m, Q) - kg
        assert moved == pytest.approx(dk[:, j], rel=1e-9, abs=1e-16)


def test_scale_weights_linearise_the_gaussian_ratio():
    """For a small δk the weight shift equals G(k; k_g + δk, σ)/G(k; k_g, σ) − 1 to first order."""
    poly, sizes = (0.01,), {"A": 1e-5, "e": 1e-5, "M": 1e-7, "closure": 1e-6}
    gen_pt = np.array([40.0, 40.0, 10.0])
    pt = np.array([40.2, 39.9, 10.05])
    charge = np.array([1, -1, 1])
    got = muonscale.scale_shifts(pt, gen_pt, np.zeros(3), charge, sizes, poly, None)
    kg, k = 1.0 / gen_pt, 1.0 / pt
    sigma = kg * 0.01
    da, de, dm = curvature_derivatives(kg, charge)
    for j, dk in enumerate([sizes["A"] * da, sizes["e"] * de, sizes["M"] * dm]):
        exact = np.exp(-0.5 * ((k - kg - dk) ** 2 - (k - kg) ** 2) / sigma**2) - 1.0
        assert got[:, j] == pytest.approx(exact, rel=2e-2)


def test_per_eta_containers():
    """One value per η bin; the config's polynomials in η are evaluated at the bin centres."""
    with pytest.raises(ValueError, match="one value per η bin"):
        CurvatureBias(A=np.zeros(3), epsilon=_flat(0.0), M=_flat(0.0))
    bias = CurvatureBias.from_polynomials([1e-4, 0.0, 5e-5], [2e-4], [0.0, 1e-6])
    assert np.array_equal(bias.A, per_bin([1e-4, 0.0, 5e-5])) and np.array_equal(bias.M, per_bin([0.0, 1e-6]))
    assert np.array_equal(CurvatureBias.zero().A, np.zeros(N_ETA_BINS))
    res = Resolution.from_polynomials([0.0065], [0.004], [0.00015], [30.0])
    assert res.d.shape == (N_ETA_BINS,)


def test_resolution_formula():
    """σ_k/k = sqrt(a² + c² pT² + b²/(1 + d²/pT²)), hand-computed at 40 GeV."""
    res = Resolution(_flat(0.006), _flat(0.004), _flat(1.5e-4), _flat(30.0))
    got = relative_resolution(np.array([40.0]), np.array([1.0]), res)[0]
    assert got == pytest.approx(np.sqrt(0.006**2 + (1.5e-4 * 40) ** 2 + 0.004**2 / (1 + (30 / 40) ** 2)), rel=1e-14)


def test_efficiency_steps_are_shared():
    """The detector model and the processors' scale factors use the one list of steps, in one order."""
    assert STEPS == ("tracking", "reco", "idip", "trigger", "iso")
    assert det_eff.STEPS is STEPS and sf.STEPS is STEPS
    assert sf.syst_labels(frozenset({"idip"}))[2] == "idip_syst@eta:charge"


def test_smoothing_basis():
    """x maps [26, 60] GeV onto [−1, 1] (clipped outside); P_0..P_n are orthogonal on [−1, 1]."""
    assert unit_pt(np.array([PT_LOW, 0.5 * (PT_LOW + PT_HIGH), PT_HIGH, 10.0, 100.0])).tolist() == [-1, 0, 1, -1, 1]
    x = np.polynomial.legendre.leggauss(20)
    basis = legendre(x[0], 6)
    gram = (basis * x[1][:, None]).T @ basis
    assert gram == pytest.approx(np.diag(2.0 / (2 * np.arange(6) + 1)), abs=1e-13)
    assert legendre(np.array([0.3]), 3)[0] == pytest.approx([1.0, 0.3, 0.5 * (3 * 0.09 - 1)])
    assert legendre(np.array([0.3]), 0).shape == (1, 0)


def test_stat_shifts_are_the_smoothing_basis():
    """Without a scale-factor file, component j of a step shifts the SF by size · P_j(x(pT))."""
    eigen = {"tracking": 2, "idip": 3}
    got = sf.stat_shifts(PT, ETA, Q, eigen, 1e-3, None)
    basis = 1e-3 * legendre(unit_pt(PT), 3)
    assert np.array_equal(got, np.concatenate([basis[:, :2], basis], axis=1))


def test_per_muon_groups_are_muon_groups():
    """The groups computed per selected muon are the muon-derived groups other than the veto and the refill."""
    assert set(PER_MUON_GROUPS) == set(MUON_GROUPS) - {"eff_veto", "muon_scale_refill"}
