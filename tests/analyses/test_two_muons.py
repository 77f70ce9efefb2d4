"""Per-muon systematics of two-muon events: both muons propagated (W-like: otherEta; dilepton: muEta × muCharge).

A brute-force reference (every event reweighted by Π over its muons in the cell of (1 + shift))
checks the layouts and groups.variation; processor-level tests check locality and yields.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wmass.analyses import common, dilepton, fill, make_processor
from wmass.analyses.options import Options
from wmass.analyses.runner import run_processor
from wmass.histograms import binning
from wmass.histograms.groups import nuisance_names, variation

OPTS = Options(is_mc=True, groups=frozenset({"eff_stat", "eff_syst", "muon_scale", "muon_resolution"}))


def _muons(rng: np.random.Generator, n: int) -> tuple[common.Muon, common.Muon, np.ndarray]:
    """Two opposite-charge muons per event, η in few bins (so that both often share a cell), weights."""
    q = rng.choice([-1.0, 1.0], n)
    eta = [rng.choice([-0.25, -0.15, 0.05, 0.15, 1.05], n) + rng.uniform(-0.04, 0.04, n) for _ in range(2)]
    pt = [rng.uniform(27.0, 59.0, n) for _ in range(2)]
    gen = [p * (1.0 + 0.01 * rng.standard_normal(n)) for p in pt]
    mus = [common.Muon(pt[s], eta[s], q * (1 if s == 0 else -1), gen[s]) for s in range(2)]
    return mus[0], mus[1], rng.uniform(0.5, 1.5, n)


def _cell_of(label: str, mu: common.Muon, cell: dict[str, int]) -> np.ndarray:
    inside = fill.axis_index(binning.eta_axis(), mu.eta) == cell["eta"]
    if "charge" in cell:
        inside &= (mu.charge > 0).astype(int) == cell["charge"]
    return inside


def _reference(group: str, label: str, cell: dict[str, int], mus: list[common.Muon], w: np.ndarray,
               idx: np.ndarray, axes: tuple) -> np.ndarray:
    """Brute force: each event weighted by Π_{muons in the cell} (1 + shift of that muon)."""
    factor = np.ones(len(w))
    for mu in mus:
        shifts, labels = common.muon_shifts(group, mu, OPTS)
        j = labels.index(label)
        factor *= np.where(_cell_of(label, mu, cell), 1.0 + shifts[:, j], 1.0)
    size = int(np.prod([a.size for a in axes]))
    return np.bincount(idx, weights=w * factor, minlength=size).reshape([a.size for a in axes])


CASES = [("eff_stat", "reco_eig1@eta", {"eta": 24}), ("eff_stat", "trigger_eig2@eta:charge", {"eta": 22, "charge": 1}),
         ("eff_stat", "trigger_eig2@eta:charge", {"eta": 24, "charge": 0}), ("eff_syst", "tracking_syst@eta", {"eta": 22}),
         ("muon_scale", "A@eta", {"eta": 22}), ("muon_scale", "M@eta", {"eta": 24}),
         ("muon_resolution", "resolution@eta", {"eta": 34})]


@pytest.mark.parametrize(("group", "label", "cell"), CASES)
def test_wlike_layout_matches_brute_force(group, label, cell):
    rng = np.random.default_rng(5)
    kept, other, w = _muons(rng, 4000)
    axes = binning.wlike_axes()
    idx = fill.flat_index(axes, [kept.eta, kept.pt, kept.charge])
    t = common.Target(axes, idx, w, 1.0)
    h = common.other_muon_hist(group, t, kept, other, OPTS)
    nominal = h.values()[..., 0, 0]
    got = variation(h, group, label, cell, nominal)
    want = _reference(group, label, cell, [kept, other], w, idx, axes)
    assert np.allclose(got, want, rtol=0, atol=1e-6)
    assert np.any(got != nominal)
    # the other muon acts outside the kept muon's row: the cell's variation reaches other η rows
    changed_rows = set(np.argwhere(np.abs(got - nominal) > 1e-9)[:, 0])
    assert changed_rows - {cell["eta"]}, changed_rows


@pytest.mark.parametrize(("group", "label", "cell"), CASES)
def test_dilepton_layout_matches_brute_force(group, label, cell):
    rng = np.random.default_rng(6)
    mu0, mu1, w = _muons(rng, 4000)
    axes = binning.dilepton_axes()
    idx = fill.flat_index(axes, [rng.uniform(61.0, 119.0, len(w)), mu0.eta])
    h = dilepton.two_muon_hist(group, common.Target(axes, idx, w, 1.0), [mu0, mu1], OPTS)
    renamed = dilepton._relabel(label)
    mu_cell = {dilepton.CELL_AXES[k]: v for k, v in cell.items()}
    want = _reference(group, label, cell, [mu0, mu1], w, idx, axes)
    nominal = np.bincount(idx, weights=w, minlength=want.size).reshape(want.shape)
    assert np.allclose(variation(h, group, renamed, mu_cell, nominal), want, rtol=0, atol=1e-6)
    assert np.allclose(variation(h, group, renamed, mu_cell), want, rtol=0, atol=1e-6)  # nominal from the muon slices


@pytest.fixture(scope="module")
def wlike_out(synth_file, all_groups):
    opts = dataclasses.replace(all_groups, groups=frozenset({"eff_stat", "eff_syst", "muon_scale"}))
    return run_processor(make_processor("wlike", opts), [str(synth_file)])


def test_wlike_other_muon_cell_locality(wlike_out):
    """A stat component of (η bin i, q) changes the kept muon's cell and, in the base bins of charge −q,
    only bins holding events whose other muon is in η bin i; elsewhere the prediction is the nominal."""
    h = wlike_out["hists"]["syst_eff_stat"]
    v = h.values()
    nominal = wlike_out["hists"]["nominal"].values()
    assert np.array_equal(v[..., 0, 0], nominal)  # the kept muon's nominal entries are the nominal
    assert np.array_equal(v[..., 1:, 0].sum(axis=-1), nominal)  # every event has its other muon in one η bin
    for i, q in ((10, 1), (30, 0)):
        var = variation(h, "eff_stat", "idip_eig0@eta:charge", {"eta": i, "charge": q})
        other_here = v[..., i + 1, 0] != 0
        allowed = np.zeros(nominal.shape, bool)
        allowed[i, :, q] = True
        allowed[:, :, 1 - q] |= other_here[:, :, 1 - q]
        changed = var != nominal
        assert not np.any(changed & ~allowed)
        assert np.any(changed[:, :, 1 - q]) and np.any(changed[i, :, q])


def test_wlike_both_muons_move_yield(wlike_out, all_groups):
    """idip_eig0 is a constant relative shift s (Legendre P0): summed over all (η, q) cells the
    nuisances move every bin by 2 s (one s per muon; the two muons never share a charge cell)."""
    h = wlike_out["hists"]["syst_eff_stat"]
    nominal = wlike_out["hists"]["nominal"].values()
    s = all_groups.eff_stat_size
    total = sum(variation(h, "eff_stat", "idip_eig0@eta:charge", {"eta": i, "charge": q}) - nominal
                for i in range(48) for q in range(2))
    assert np.allclose(total, 2 * s * nominal, rtol=1e-4, atol=1e-9)  # rounding of each entry to 2⁻²⁶
    # a non-split constant component (tracking_eig0): 2 s, plus s² for events with both muons in one η bin
    total = sum(variation(h, "eff_stat", "tracking_eig0@eta", {"eta": i}) - nominal for i in range(48))
    filled = nominal > 0
    r = total[filled] / nominal[filled]
    tol = 1e-4 * 2 * s  # rounding of each entry to 2⁻²⁶
    assert np.all(r > 2 * s - tol) and np.all(r < 2 * s + s * s + tol) and np.any(r > 2 * s + s * s / 2)
    assert len(nuisance_names("eff_stat", h)) == 2784
    assert len(nuisance_names("muon_scale", wlike_out["hists"]["syst_muon_scale"])) == 192


def test_wlike_flipped_runs(synth_file, all_groups, wlike_out):
    opts = dataclasses.replace(all_groups, groups=frozenset({"eff_stat", "eff_syst", "muon_scale"}))
    flipped = run_processor(make_processor("wlike_flipped", opts), [str(synth_file)])
    a, b = wlike_out["hists"]["nominal"].values(), flipped["hists"]["nominal"].values()
    assert a.sum() > 0 and b.sum() > 0 and not np.array_equal(a, b)
    assert np.array_equal(flipped["hists"]["syst_eff_stat"].values()[..., 0, 0], b)


def test_dilepton_efficiency_yield(synth_file, all_groups):
    """Dilepton: each muon's SF systematic of a charge-split step (constant size s) moves the yield by s,
    so the sum over the (η, q) cells of idip_syst is 2 s × nominal; one cell touches only its events."""
    out = run_processor(make_processor("dilepton", all_groups), [str(synth_file)])
    nominal = out["hists"]["nominal"].values()
    h = out["hists"]["syst_eff_syst"]
    assert h.axes.name == ("mll", "etaFwd", "muEta", "muCharge", "eff_syst")
    assert len(nuisance_names("eff_syst", h)) == 384 and len(nuisance_names("eff_stat", out["hists"]["syst_eff_stat"])) == 2784
    s = all_groups.eff_syst_size
    total = sum(variation(h, "eff_syst", "idip_syst@muEta:muCharge", {"muEta": i, "muCharge": q}, nominal) - nominal
                for i in range(48) for q in range(2))
    assert np.allclose(total, 2 * s * nominal, rtol=1e-4, atol=1e-9)  # rounding of each entry to 2⁻²⁶
    var = variation(h, "eff_syst", "idip_syst@muEta:muCharge", {"muEta": 20, "muCharge": 1}, nominal)
    in_cell = h.values()[:, :, 20, 1, 0] != 0
    assert np.any(var != nominal) and not np.any((var != nominal) & ~in_cell)
    assert var.sum() == pytest.approx(nominal.sum() + s * h.values()[:, :, 20, 1, 0].sum(), rel=1e-9)
