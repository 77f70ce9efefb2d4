"""The fit input assembled from the tiny generated set: channels, nuisances, log κ patterns, normalisation."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from wmass import registry
from wmass.fitinput import FitInputOptions, assemble_fit_input, options_from_config
from wmass.fitinput.analyses import BOSON_GROUPS
from wmass.histograms.groups import nuisance_names
from wmass.histograms.io import read_hists

MW_PROCESSES = ("wplus", "wminus", "wtaunu", "zmumu", "ztautau", "rare", "nonprompt")


def _logk(fi, syst: str, process: str, part: str = "avg") -> np.ndarray:
    """Dense log κ [bins] of one systematic and process (from the sparse entries)."""
    s, p = fi.systs.index(syst), fi.processes.index(process)
    ind = fi.logk.indices
    sel = (ind[:, 2] == s) & (ind[:, 1] == p)
    out = np.zeros(fi.nominal.shape[0])
    out[ind[sel, 0]] = getattr(fi.logk, part)[sel]
    return out


def test_mw_channel(mw_input):
    fi = mw_input
    (ch,) = fi.channels
    assert [n for n, _ in ch.axes] == ["eta", "pt", "charge"]
    assert ch.nbins == 48 * 30 * 2 == fi.nominal.shape[0] == fi.data_obs.size
    assert ch.axes[1][1][0] == 26.0 and ch.axes[1][1][-1] == 56.0
    assert fi.processes == MW_PROCESSES
    assert list(fi.signal) == [True, True] + [False] * 5
    assert fi.pois == {}  # signal_strength: none; the mass is the nuisance of interest
    assert fi.logk.sparse and not fi.logk.symmetric


@pytest.mark.parametrize("analysis, axes, nbins", [("wlike", ["eta", "pt", "charge"], 48 * 34 * 2),
                                                   ("dilepton", ["mll", "etaFwd"], 60 * 48)])
def test_z_channels(tiny_set, analysis, axes, nbins):
    opts = options_from_config(tiny_set.cfg_few)
    fi = assemble_fit_input(analysis, tiny_set.files(analysis), tiny_set.process_of, opts)
    assert [n for n, _ in fi.channels[0].axes] == axes and fi.nominal.shape[0] == nbins
    assert fi.processes[0] == "zmumu" and fi.signal[0]
    assert set(fi.groups) <= {"massShift", "pdf", "muon_scale", "lumi", "norm"}
    assert fi.groups["massShift"] == ("massShift",)
    # the dilepton muon scale is binned in the η of each muon (muEta): 4 parameters × 48
    assert len(fi.groups["muon_scale"]) == 192 and len(fi.groups["pdf"]) == 32


def test_nuisance_counts_match_groups(tiny_set, mw_input):
    """Every syst_<group> gives exactly the nuisances of wmass.histograms.groups (boson-tagged where physical)."""
    expected: dict[str, set[str]] = {}
    for sample, path in tiny_set.files("mw").items():
        if sample == "data":
            continue
        hists, _ = read_hists(path)
        for name, h in hists.items():
            group = name[len("syst_"):]
            if not name.startswith("syst_") or group in ("mass", "muon_scale_refill"):
                continue
            tag = (registry.process(tiny_set.process_of[sample]).boson or "") if group in BOSON_GROUPS else ""
            expected.setdefault(group, set()).update(nuisance_names(group, h, tag))
    got = {g: set(m) for g, m in mw_input.groups.items()}
    dropped = set(mw_input.provenance["dropped_nuisances"])  # no effect anywhere (wmass.fitinput.clean)
    for group, names in expected.items():
        assert got.get(group, set()) | (names & dropped) == names, group
        assert not got.get(group, set()) & dropped, group
    assert {g: len(got[g] | (expected[g] & dropped)) for g in ("eff_stat", "eff_syst", "eff_veto", "muon_scale", "angular", "width")} == {
        "eff_stat": 2784, "eff_syst": 384, "eff_veto": 480, "muon_scale": 192, "angular": 60, "width": 2}
    assert got["massShift"] == {"massShift"} and got["mass"] == {"massShiftZ"}
    assert got["lumi"] == {"lumi"} and got["nonprompt"] == {"norm_nonprompt"}
    assert got["norm"] == {"norm_wtaunu", "norm_zmumu", "norm_ztautau", "norm_rare"}
    assert "muon_scale_refill" not in got  # a validation group, excluded by default
    assert len(mw_input.systs) + len(dropped) == sum(len(v) for v in expected.values()) + 8 == 4007
    i = mw_input.systs.index("massShift")
    assert mw_input.noi[i] and not mw_input.constrained[i] and mw_input.noi.sum() == 1


def test_eta_cell_nuisance_is_sparse(mw_input):
    """A one-η-cell efficiency nuisance has log κ ≠ 0 only in its own η (and charge) cell."""
    fi = mw_input
    for syst, eta, charge in (("eff_stat_tracking_eig0_eta5", 5, None), ("eff_stat_idip_eig3_eta30_charge1", 30, 1)):
        s = fi.systs.index(syst)
        bins = fi.logk.indices[fi.logk.indices[:, 2] == s, 0]
        assert bins.size > 0
        e, _, q = np.unravel_index(bins, (48, 30, 2))
        assert set(e) == {eta}
        if charge is not None:
            assert set(q) == {charge}
    # the whole tensor is sparse: far below bins × processes × nuisances
    assert fi.logk.nnz < 0.05 * np.prod(fi.logk.shape)


def test_mass_logk_shape(mw_input):
    """+100 MeV moves the muon pT spectrum up: log κ < 0 below the Jacobian peak, > 0 above it."""
    fi = mw_input
    lk = np.zeros((48, 30, 2))
    nom = np.zeros((48, 30, 2))
    for p in ("wplus", "wminus"):
        n = fi.nominal[:, fi.processes.index(p)].reshape(48, 30, 2)
        lk += _logk(fi, "massShift", p).reshape(48, 30, 2) * n
        nom += n
    profile = lk.sum(axis=(0, 2)) / nom.sum(axis=(0, 2))  # ν-weighted log κ per 1 GeV pT bin
    below, above = profile[:10].mean(), profile[16:24].mean()  # 26-36 GeV and 42-50 GeV
    assert below < 0 < above
    centres = np.arange(26.5, 56.0)
    w_nom, w_up = nom.sum(axis=(0, 2)), (nom * np.exp(lk / np.where(nom > 0, nom, 1))).sum(axis=(0, 2))
    assert (centres * w_up).sum() / w_up.sum() > (centres * w_nom).sum() / w_nom.sum()
    # the W → τν background follows m_W; Z processes carry only the constrained massShiftZ
    assert np.any(_logk(fi, "massShift", "wtaunu") != 0)
    assert not np.any(_logk(fi, "massShift", "zmumu") != 0) and np.any(_logk(fi, "massShiftZ", "zmumu") != 0)


def test_normalisation_to_data_luminosity(tiny_set, mw_input):
    """ν = h · L/chunks: σ·ε·L with L the summed lumi_pb of the data chunks' sidecars."""
    root = tiny_set.root / "nano"
    lumi = sum(json.loads(p.read_text())["lumi_pb"] for p in (root / "data").glob("*.json"))
    meta = mw_input.provenance
    assert meta["lumi_pb"] == pytest.approx(lumi, rel=1e-12)
    side = json.loads((root / "wplus" / "0.json").read_text())
    hists, hmeta = read_hists(tiny_set.files("mw")["wplus"], ["nominal"])
    assert hmeta["chunks"] == 2
    sr = hists["nominal"][:, :, :, True, 2]
    # the merged weights sum to chunks × σ; the scale turns them into σ · L
    assert meta["processes"]["wplus"]["scale"] * hmeta["sum_w"] == pytest.approx(lumi * side["cross_section_pb"], rel=1e-6)
    # minus the floor of the empty bins (wmass.fitinput.clean), put into wplus: ε = 1e-3 w, sumw2 = ε w
    floor = meta["empty_bin_floor"]["mw"]
    assert floor["process"] == "wplus"
    w, eps, nfl = floor["event_weight"], floor["yield"], floor["bins"]
    assert w == pytest.approx(sr.sum().variance / sr.sum().value * lumi / 2, rel=1e-12)  # one event's weight
    assert mw_input.nominal[:, 0].sum() - nfl * eps == pytest.approx(sr.sum().value * lumi / 2, rel=1e-12)
    assert mw_input.sumw2[:, 0].sum() - nfl * eps * w == pytest.approx(sr.sum().variance * (lumi / 2) ** 2, rel=1e-12)


def test_prefit_matches_data(mw_input):
    """Prefit total vs pseudo-data: different models (the truth has a CT14 PDF, σ 4% lower, and
    0.2-2% lower efficiencies per step, ≈ 3.6% for one muon), so the prediction is ≈ 8% high."""
    meta = mw_input.provenance
    floor = meta["empty_bin_floor"].get("mw", {"yield": 0.0, "bins": 0})  # not in the metadata's yields
    ratio = (mw_input.nominal.sum() - floor["yield"] * floor["bins"]) / mw_input.data_obs.sum()
    assert ratio == pytest.approx(meta["prefit_over_data"], rel=1e-12)
    print(f"mw prefit/data = {ratio:.4f} ({mw_input.nominal.sum():.1f} / {mw_input.data_obs.sum():.0f})")
    assert 0.95 < ratio < 1.2, ratio
    assert "extended ABCD is not used yet" in meta["nonprompt"]


def test_dense_equals_sparse(tiny_set):
    opts = dataclasses.replace(options_from_config(tiny_set.cfg_few), storage="dense")
    files = tiny_set.files("dilepton")
    dense = assemble_fit_input("dilepton", files, tiny_set.process_of, opts)
    sparse = assemble_fit_input("dilepton", files, tiny_set.process_of, dataclasses.replace(opts, storage="sparse"))
    assert not dense.logk.sparse
    full = np.zeros(sparse.logk.shape)
    full[tuple(sparse.logk.indices.T)] = sparse.logk.avg
    np.testing.assert_array_equal(dense.logk.avg, full)


def test_default_options_match_config(tiny_set):
    """The dataclass defaults are the schema defaults (the library is usable without a config)."""
    opts = options_from_config(tiny_set.cfg)
    plain = FitInputOptions()
    for f in dataclasses.fields(FitInputOptions):
        if f.name not in ("histogram_hash", "config_hash"):
            assert getattr(opts, f.name) == getattr(plain, f.name), f.name


def test_eta_smoothed_mass(tiny_set, mw_input):
    """mass_smoothing: eta applies one ratio per (pT, charge) in every η bin and removes the per-bin
    noise of the mass weights (less Fisher information Σ ν log κ² than bin by bin)."""
    opts = dataclasses.replace(options_from_config(tiny_set.cfg), include_groups=("mass",), mass_smoothing="eta")
    fi = assemble_fit_input("mw", tiny_set.files("mw"), tiny_set.process_of, opts)
    assert set(fi.systs) == {"massShift", "massShiftZ", "lumi", "norm_wtaunu", "norm_zmumu", "norm_ztautau",
                             "norm_rare", "norm_nonprompt"}
    info = {}
    for name, f in (("eta", fi), ("bin", mw_input)):
        p = f.processes.index("wplus")
        lk, nu = _logk(f, "massShift", "wplus").reshape(48, 30, 2), f.nominal[:, p].reshape(48, 30, 2)
        info[name] = float((nu * lk**2).sum())
        if name == "eta":
            real = (nu > 0) & (nu != f.provenance["empty_bin_floor"]["mw"]["yield"])  # not the empty-bin floor
            spread = np.where(real, lk - lk.max(axis=0, where=real, initial=-np.inf), 0.0)
            assert np.max(np.abs(spread)) < 1e-12
    assert info["eta"] < info["bin"]
