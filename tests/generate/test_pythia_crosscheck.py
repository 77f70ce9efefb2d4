"""Cross-check of the fast truth generator against Pythia 8 at the same PDF (issue 3).

One session fixture generates 20k Pythia events per process (W+, W−, Z → μμ; ~30 s) and 100k fast
events (no weight arrays, for speed) from the repository's ``generator`` config block. The
criteria are statistical (χ² p-values, KS) or per-bin tolerances with the statistical error
added, so a real disagreement (another PDF, an untuned pT^V, a broken W+/W− ratio) fails.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wmass.config import load_config
from wmass.generate.processes import cross_section_pb, generate_truth
from wmass.generate.pythia import generate_truth_pythia
from wmass.generate.pythia_compare import compare_shapes, ks_weighted
from wmass.generate.pythia_tune import compare_ptv
from wmass.rng import chunk_rng
from wmass.truth import TruthEvents

pytest.importorskip("pythia8mc")

REPO = Path(__file__).resolve().parents[2]
PROCESSES = ("wplus", "wminus", "zmumu")
N_PYTHIA = 20_000
N_FAST = 100_000


@pytest.fixture(scope="session")
def gen_params() -> dict[str, Any]:
    params = copy.deepcopy(load_config(REPO / "config" / "config.yaml")["generator"])
    params["weights"]["store"] = []
    return params


@pytest.fixture(scope="session")
def samples(gen_params: dict[str, Any]) -> dict[str, dict[str, TruthEvents]]:
    """{"pythia"|"fast": {process: TruthEvents}}, generated once per session."""
    out: dict[str, dict[str, TruthEvents]] = {"pythia": {}, "fast": {}}
    for process in PROCESSES:
        out["pythia"][process] = generate_truth_pythia(
            process, N_PYTHIA, 0, chunk_rng(1234, f"xcheck_{process}", 0), gen_params
        )
        out["fast"][process] = generate_truth(process, N_FAST, 0, chunk_rng(1234, f"xcheck_{process}", 1), gen_params)
    return out


def _hard_y(ev: TruthEvents) -> np.ndarray:
    return 0.5 * np.log(ev.x1 / ev.x2)


def test_w_charge_ratio_and_cross_sections(samples: dict[str, dict[str, TruthEvents]], gen_params: dict[str, Any]) -> None:
    py = {p: float(samples["pythia"][p].gen_weight.sum()) for p in PROCESSES}
    fast = {p: cross_section_pb(p, gen_params) for p in PROCESSES}
    ratio_py, ratio_fast = py["wplus"] / py["wminus"], fast["wplus"] / fast["wminus"]
    # Pythia's σ estimate has ~0.5% MC error per 20k events: 2% is > 3σ on the ratio
    assert 1.25 < ratio_py < 1.42, ratio_py
    assert abs(ratio_fast / ratio_py - 1.0) < 0.02, (ratio_fast, ratio_py)
    for p in PROCESSES:  # same K-factor, same LO couplings up to scheme choices
        assert abs(fast[p] / py[p] - 1.0) < 0.04, (p, fast[p], py[p])


@pytest.mark.parametrize("process", PROCESSES)
def test_hard_process_rapidity(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """The LO y^V (x1, x2 of the hard process) follows the same parton luminosity."""
    fast, py = samples["fast"][process], samples["pythia"][process]
    cmp = compare_shapes(fast.y_v, None, _hard_y(py), None, np.linspace(-4.0, 4.0, 17))
    assert cmp.p_value > 1e-3, (cmp.chi2, cmp.ndf, cmp.ratio)
    assert ks_weighted(fast.y_v, None, _hard_y(py), None)[1] > 1e-3


@pytest.mark.parametrize("process", PROCESSES)
def test_boson_rapidity_after_isr(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """y^V after Pythia's ISR recoil: same shape within 3% per bin (the recoil smears |y| > 3.5)."""
    fast, py = samples["fast"][process], samples["pythia"][process]
    cmp = compare_shapes(fast.y_v, None, py.y_v, None, np.linspace(-3.5, 3.5, 15), syst=0.03)
    assert cmp.p_value > 1e-3, (cmp.chi2, cmp.ndf, cmp.ratio)


@pytest.mark.parametrize("process", PROCESSES)
def test_quark_direction(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """Probability that the quark comes from the proton the boson moves towards, vs |y| (sets A_4)."""
    edges = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.5])
    fractions = []
    for ev, y in ((samples["fast"][process], samples["fast"][process].y_v),
                  (samples["pythia"][process], _hard_y(samples["pythia"][process]))):
        along = np.where(y > 0, ev.id1, ev.id2) > 0
        b = np.digitize(np.abs(y), edges) - 1
        fractions.append(np.array([along[b == i].mean() for i in range(edges.size - 1)]))
    assert np.all(np.diff(fractions[1]) > -0.02)  # rises with |y| (valence quarks at large x)
    np.testing.assert_allclose(fractions[0], fractions[1], atol=0.035)


def _ptv_excess(fast: TruthEvents, py: TruthEvents, upper: float) -> tuple[np.ndarray, Any]:
    """|fast/Pythia − 1| − 2σ_stat per 2 GeV bin of pT^V below ``upper`` (shapes normalised in 0-100 GeV)."""
    edges = np.concatenate([np.arange(0.0, upper + 0.1, 2.0), [100.0]])
    cmp = compare_shapes(fast.pt_v, None, py.pt_v, None, edges, syst=0.10)
    excess = np.abs(cmp.ratio - 1.0) - 2.0 * cmp.ratio_err
    return excess[edges[1:] <= upper], cmp


@pytest.mark.parametrize("process", PROCESSES)
def test_ptv_shape_after_tune(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """pT^V within 10% (+2σ statistics) of Pythia's ISR shower below 26 GeV, χ² with 10% tolerance."""
    excess, cmp = _ptv_excess(samples["fast"][process], samples["pythia"][process], 26.0)
    assert np.all(excess < 0.10), np.round(cmp.ratio, 3)
    assert cmp.p_value > 0.01, (cmp.chi2, cmp.ndf)


def test_ptv_shape_up_to_30_gev(samples: dict[str, dict[str, TruthEvents]]) -> None:
    """The issue's target: every process within 10% (+2σ) of Pythia in all bins below 30 GeV."""
    for process in PROCESSES:
        excess, cmp = _ptv_excess(samples["fast"][process], samples["pythia"][process], 30.0)
        assert np.all(excess < 0.10), (process, np.round(cmp.ratio, 3))


@pytest.mark.parametrize("process", PROCESSES)
def test_ptv_tail_above_old_cut(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """The soft damping exp(-q/λ) gives the tail Pythia has (~5% above 56 GeV, where the old hard cut gave none)."""
    fast, py = samples["fast"][process], samples["pythia"][process]
    f_fast, f_py = (np.mean(ev.pt_v > 56.0) for ev in (fast, py))
    assert f_py > 0.03 and abs(f_fast / f_py - 1.0) < 0.3, (f_fast, f_py)
    assert np.mean(fast.pt_v > 100.0) > 0.002


def test_ptv_criterion_rejects_untuned_spectrum(samples: dict[str, dict[str, TruthEvents]]) -> None:
    """The pT^V criterion fails for the pre-tune parameters (σ_NP 1.5, p0 5 GeV, n 2.5, no damping)."""
    untuned = {"sigma_np_gev": 1.5, "pt0_gev": 5.0, "n_tail": 2.5, "lambda_gev": 500.0}
    assert compare_ptv(samples["pythia"]["wplus"].pt_v, None, untuned).max_deviation(30.0) > 0.3


@pytest.mark.parametrize("process", PROCESSES)
def test_muon_pt_shape(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """pT^μ (after FSR) in the Jacobian-peak region, 26-50 GeV: shape within 6% per bin, edge position.

    The A_i of Pythia's shower differ from the fast model's (Pythia's A_3 is large and charge-odd),
    so the criterion is a tolerance, not a pure statistical χ².
    """
    fast, py = samples["fast"][process], samples["pythia"][process]
    edges = np.arange(26.0, 50.1, 2.0)
    cmp = compare_shapes(fast.mu_pt[:, 0], None, py.mu_pt[:, 0], None, edges, syst=0.06)
    assert cmp.p_value > 1e-3, (cmp.chi2, cmp.ndf, np.round(cmp.ratio, 3))
    # Jacobian edge: median pT^μ of the muons in 30-50 GeV, within 0.3 GeV
    sel_f = fast.mu_pt[:, 0][(fast.mu_pt[:, 0] > 30) & (fast.mu_pt[:, 0] < 50)]
    sel_p = py.mu_pt[:, 0][(py.mu_pt[:, 0] > 30) & (py.mu_pt[:, 0] < 50)]
    assert abs(np.median(sel_f) - np.median(sel_p)) < 0.3, (np.median(sel_f), np.median(sel_p))


@pytest.mark.parametrize("process", PROCESSES)
def test_fsr_energy_loss(samples: dict[str, dict[str, TruthEvents]], process: str) -> None:
    """Mean QED FSR loss of the muon pT agrees with Pythia's QED shower within 15%."""
    loss = [np.mean((s[process].mu_pt_prefsr - s[process].mu_pt)[:, 0]) for s in (samples["fast"], samples["pythia"])]
    assert abs(loss[0] / loss[1] - 1.0) < 0.15, loss
