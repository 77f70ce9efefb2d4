"""The parametric pT^V spectrum (wmass.theory.ptv): soft high-pT damping, normalisation, weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from wmass.config import load_config
from wmass.theory.ptv import PTV_KEYS, Q_MAX_GEV, ptv_density, ptv_variations, ptv_weights, sample_ptv

REPO = Path(__file__).resolve().parents[2]
N = 400_000


@pytest.fixture(scope="module")
def gen() -> dict[str, Any]:
    return load_config(REPO / "config" / "config.yaml")["generator"]


@pytest.mark.parametrize("boson", ["w", "z"])
def test_density_normalised_and_positive(gen: dict[str, Any], boson: str) -> None:
    """f integrates to 1 over the sampled range and is positive up to Q_MAX (also for every variation)."""
    p = gen[boson]["ptv"]
    x = np.linspace(0.0, Q_MAX_GEV + 4.0, 200_001)
    _, sets = ptv_variations(p, gen["ptv_variations"])
    for q in (p, *sets):
        f = ptv_density(x, *(q[k] for k in PTV_KEYS))
        assert np.trapezoid(f, x) == pytest.approx(1.0, abs=1e-4)
        assert np.all(f[1:][x[1:] <= Q_MAX_GEV] > 0.0)


@pytest.mark.parametrize("boson", ["w", "z"])
def test_sampling_follows_density_beyond_old_cut(gen: dict[str, Any], boson: str) -> None:
    """Sampled pT^V follows the tabulated density bin by bin, with a few % of events above 56 GeV (as Pythia)."""
    p = gen[boson]["ptv"]
    pt, phi = sample_ptv(np.random.default_rng(11), N, p)
    assert np.all(np.abs(phi) <= np.pi)
    assert pt.max() < Q_MAX_GEV + 5.0
    assert 0.03 < (pt > 56.0).mean() < 0.09
    assert (pt > 100.0).mean() > 3e-3
    edges = np.array([0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 40.0, 56.0, 80.0, 120.0, Q_MAX_GEV + 5.0])
    fine = np.linspace(0.0, edges[-1], 100_001)
    f = ptv_density(fine, *(p[k] for k in PTV_KEYS))
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(fine))])
    expected = N * np.diff(np.interp(edges, fine, cum))
    observed, _ = np.histogram(pt, edges)
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    assert chi2 < edges.size - 1 + 5.0 * np.sqrt(2.0 * (edges.size - 1)), (chi2, observed / expected)


@pytest.mark.parametrize("boson", ["w", "z"])
def test_weights_finite_and_normalised(gen: dict[str, Any], boson: str) -> None:
    """Every variation's weight is finite (positive up to Q_MAX) on every sampled event and averages to 1."""
    p = gen[boson]["ptv"]
    pt, _ = sample_ptv(np.random.default_rng(12), N, p)
    pt = np.concatenate([pt, [1e-6, 0.05, Q_MAX_GEV, Q_MAX_GEV + 4.0]])  # the edges of the range
    w, labels = ptv_weights(pt, p, gen["ptv_variations"])
    assert labels == [f"{k}{t}" for k in PTV_KEYS for t in ("Up", "Down")]
    assert np.all(np.isfinite(w)) and np.all(w[:-1] > 0.0)
    mean = w[:N].astype(np.float64).mean(axis=0)
    err = w[:N].astype(np.float64).std(axis=0) / np.sqrt(N)
    assert np.all(np.abs(mean - 1.0) < 4.0 * err + 1e-4), (mean, err)


def test_lambda_damps_the_tail(gen: dict[str, Any]) -> None:
    """A larger λ hardens only the tail: the weight rises with pT^V above ~30 GeV."""
    p = gen["w"]["ptv"]
    pt = np.array([5.0, 30.0, 60.0, 120.0])
    w, labels = ptv_weights(pt, p, gen["ptv_variations"])
    up = w[:, labels.index("lambda_gevUp")]
    assert np.all(np.diff(up[1:]) > 0.0) and up[-1] > 1.5
