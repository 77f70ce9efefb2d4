"""Systematic tensor histograms: nominal index = nominal sums, diagonal locality, nuisance counts."""

from __future__ import annotations

import numpy as np
import pytest

from wmass.analyses import make_processor
from wmass.analyses.options import Options
from wmass.analyses.runner import run_processor
from wmass.histograms.groups import nuisance_names, variation


@pytest.fixture(scope="module")
def mw_out(synth_file, all_groups):
    return run_processor(make_processor("mw", all_groups), [str(synth_file)])


def test_storage(mw_out):
    hists = mw_out["hists"]
    assert hists["nominal"].storage_type.__name__ == "Weight"
    for name, h in hists.items():
        if name.startswith("syst_"):
            assert h.storage_type.__name__ == "Double", name
            assert h.axes[-1].name == name[5:]
            assert list(h.axes[-1])[0] == "nominal"


def test_nominal_index_equals_nominal(mw_out):
    """Every systematic histogram at its "nominal" entry is exactly the nominal signal region."""
    signal = mw_out["hists"]["nominal"][:, :, :, True, 2].values()
    for name, h in mw_out["hists"].items():
        if not name.startswith("syst_"):
            continue
        nom = h.values()[..., 0]
        if "ptVBin" in h.axes.name:
            nom = nom.sum(axis=-1)
        if "vetoEta" in h.axes.name:  # only events with a lost second muon
            lost = nom.sum(axis=(-2, -1))
            assert 0 < np.count_nonzero(lost) < np.count_nonzero(signal), name
            continue
        assert np.array_equal(nom, signal), name


def test_diagonal_component_touches_one_cell(mw_out):
    """An efficiency-stat component in (η bin 7, q = +1) changes only that η row and charge."""
    h = mw_out["hists"]["syst_eff_stat"]
    nominal = h.values()[..., 0]
    var = variation(h, "eff_stat", "trigger_eig2@eta:charge", cell={"eta": 7, "charge": 1})
    changed = np.argwhere(var != nominal)
    assert len(changed) > 0
    assert set(changed[:, 0]) == {7} and set(changed[:, 2]) == {1}
    var = variation(h, "eff_stat", "reco_eig1@eta", cell={"eta": 30})
    changed = np.argwhere(var != nominal)
    assert set(changed[:, 0]) == {30} and set(changed[:, 2]) == {0, 1}


def test_veto_touches_only_lost_muon_cell(mw_out):
    """A veto component of (lost-muon η bin 10, q = −1) changes only events with such a lost muon."""
    h = mw_out["hists"]["syst_eff_veto"]
    nominal = mw_out["hists"]["nominal"][:, :, :, True, 2].values()
    var = variation(h, "eff_veto", "veto_eig1", cell={"vetoEta": 10, "vetoCharge": 0}, nominal=nominal)
    in_cell = np.any(h.values()[:, :, :, 10, 0, :] != 0, axis=-1)
    assert np.array_equal(var != nominal, in_cell & (var != nominal))
    assert np.any(var != nominal)


def test_muon_scale_refill_agrees_with_weights(synth_file):
    """A curvature scale k → k (1 ± 0.5 %) moves ⟨pT⟩ in the window alike by refill and by dw/dk weights."""
    opts = Options(is_mc=True, groups=frozenset({"muon_scale_refill"}), refill_scale=0.005, resolution_poly=(0.015,))
    h = run_processor(make_processor("mw", opts), [str(synth_file)])["hists"]["syst_muon_scale_refill"]
    h = h.project("pt", "muon_scale_refill").values()
    centres = np.arange(26.5, 56.0)
    mean = (centres[:, None] * h).sum(axis=0) / h.sum(axis=0)
    refill_up, refill_down, weight_up, weight_down = mean[1:] - mean[0]
    assert refill_up < -0.03 and refill_down > 0.03
    assert weight_up == pytest.approx(refill_up, rel=0.25)
    assert weight_down == pytest.approx(refill_down, rel=0.25)


def test_nuisance_count(mw_out):
    """All groups on: the mw analysis has the order of the seeds' ≈ 4800 nuisances."""
    counts = {}
    for name, h in mw_out["hists"].items():
        group = name[5:]
        if name.startswith("syst_") and group != "muon_scale_refill":
            counts[group] = len(nuisance_names(group, h, tag="W" if group == "angular" else ""))
    counts["angular_Z"] = counts["angular"]  # decorrelated W vs Z (Z → μμ background)
    assert counts["eff_stat"] == 2784  # as the seeds' table
    assert counts["eff_veto"] == 480
    total = sum(counts.values())
    fitinput = 387 + 3 + 1  # nonprompt, prompt background normalisations, luminosity (applied in fitinput)
    assert 3800 < total < 5000 and 4200 < total + fitinput < 5500, counts


def test_dilepton_muon_scale_per_eta(synth_file, all_groups):
    """Dilepton: an η-bin scale component moves only events with a muon in that η bin."""
    out = run_processor(make_processor("dilepton", all_groups), [str(synth_file)])
    h, nominal = out["hists"]["syst_muon_scale"], out["hists"]["nominal"].values()
    assert len(nuisance_names("muon_scale", h)) == 4 * 48
    for b in range(48):
        var = variation(h, "muon_scale", "A@muEta", cell={"muEta": b}, nominal=nominal)
        touched = np.any(h.values()[:, :, b, :] != 0, axis=-1)
        assert np.array_equal(var != nominal, touched & (var != nominal))
    assert np.any(variation(h, "muon_scale", "A@muEta", cell={"muEta": 20}, nominal=nominal) != nominal)
