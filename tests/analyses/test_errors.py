"""Missing branches, non-finite values and malformed inputs: clear errors naming file, branch and entry, or an empty result."""

from __future__ import annotations

import dataclasses

import awkward as ak
import numpy as np
import pytest

from tests.analyses.synth import make_events, set_value, write_nano
from wmass.analyses import make_processor
from wmass.analyses.inputs import non_finite_events, read_events
from wmass.analyses.options import Options
from wmass.analyses.runner import events_from_file, run_processor
from wmass.errors import InputError


def test_missing_lumiblock(data_dir):
    path = str(data_dir / "missing_luminosityBlock.root")
    with pytest.raises(InputError, match="luminosityBlock") as err:
        run_processor(make_processor("mw", Options(is_mc=True, allow_missing=frozenset({"dxybs"}))), [path])
    assert "missing_luminosityBlock.root" in str(err.value)


def test_empty_file_gives_empty_histograms(data_dir):
    out = run_processor(make_processor("mw", Options(is_mc=True, allow_missing=frozenset({"dxybs"}))), [str(data_dir / "nano_dy_empty.root")])
    assert out["n_events"] == 0 and out["hists"]["nominal"].values().sum() == 0
    assert out["hists"]["nominal"].axes.name == ("eta", "pt", "charge", "passIso", "mt")


def test_missing_trigger_named(data_dir):
    path = str(data_dir / "nanoAOD_2015_CMS_Open_Data_ttbar.root")
    with pytest.raises(InputError, match="HLT_IsoMu24"):
        run_processor(make_processor("dilepton", Options(is_mc=False, allow_missing=frozenset({"dxybs"}))), [path])


def test_missing_met_for_mw(data_dir):
    path = str(data_dir / "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root")
    allow = frozenset({"event_ids", "dxybs", "muon_id", "isolation", "trigger", "trigger_match", "electrons"})
    with pytest.raises(InputError, match="MET_pt"):
        run_processor(make_processor("mw", Options(is_mc=False, allow_missing=allow)), [path])


def test_missing_medium_id(tmp_path):
    path = write_nano(tmp_path / "noid.root", 200, drop=("Muon_mediumId",))
    with pytest.raises(InputError, match="Muon_mediumId"):
        run_processor(make_processor("mw", Options(is_mc=True)), [str(path)])
    out = run_processor(make_processor("mw", Options(is_mc=True, allow_missing=frozenset({"muon_id"}))), [str(path)])
    assert out["missing_inputs"] == {"muon_id"}


def test_missing_genweight_in_simulation(tmp_path):
    path = write_nano(tmp_path / "nogw.root", 100, drop=("genWeight",))
    with pytest.raises(InputError, match="genWeight"):
        run_processor(make_processor("wlike", Options(is_mc=True)), [str(path)])
    assert run_processor(make_processor("wlike", Options(is_mc=False)), [str(path)])["n_events"] == 100


def test_missing_weight_array(tmp_path, all_groups):
    path = write_nano(tmp_path / "nomass.root", 100, drop=("MEParamWeight",))
    with pytest.raises(InputError, match="MEParamWeight"):
        run_processor(make_processor("mw", all_groups), [str(path)])


def test_corrupt_and_absent_files(tmp_path):
    bad = tmp_path / "bad.root"
    bad.write_bytes(b"not a root file" * 100)
    with pytest.raises(InputError, match="bad.root"):
        run_processor(make_processor("mw", Options()), [str(bad)])
    with pytest.raises(InputError, match="does not exist"):
        run_processor(make_processor("mw", Options()), [str(tmp_path / "absent.root")])


OLD_FILE_DROPS = ("run", "luminosityBlock", "event", "Muon_dxybs", "Muon_looseId", "Muon_mediumId", "Muon_isGlobal",
                  "Muon_pfRelIso04_all", "HLT_IsoMu24", "TrigObj", "Electron")


def test_every_missing_group_in_one_error(tmp_path):
    """An old-format file lacking seven optional groups: one error lists them all, with the allow_missing line."""
    path = write_nano(tmp_path / "old.root", 200, drop=OLD_FILE_DROPS)
    with pytest.raises(InputError) as err:
        run_processor(make_processor("mw", Options(is_mc=True, allow_missing=frozenset({"muon_id"}))), [str(path)])
    text = str(err.value)
    groups = ["event_ids", "dxybs", "isolation", "trigger", "trigger_match", "electrons"]
    assert text.startswith(f"{path}: 6 missing inputs:")
    for group in groups:
        assert f"(input group {group!r}; fallback when allowed:" in text
    assert "'muon_id'" not in text  # allowed
    assert "branches 'HLT_IsoMu24', 'HLT_IsoTkMu24' are missing" in text and "'Electron_cutBased'" in text
    assert f"--allow-missing {','.join(groups)}`" in text
    out = run_processor(make_processor("mw", Options(is_mc=True, allow_missing=frozenset({"muon_id", *groups}))), [str(path)])
    assert out["missing_inputs"] == {"muon_id", *groups} and out["n_events"] == 200


def test_required_and_optional_missing_together(tmp_path, all_groups):
    """Missing required branches, weight arrays and optional groups come in the same error."""
    path = write_nano(tmp_path / "bare.root", 100, drop=("Muon_pt", "MET_phi", "MEParamWeight", "GenV_pt", "Muon_dxybs"))
    with pytest.raises(InputError) as err:
        run_processor(make_processor("mw", all_groups), [str(path)])
    text = str(err.value)
    assert text.startswith(f"{path}: 5 missing inputs:")
    for line in ("branch 'Muon_pt' is missing; the mw analysis needs it (muon kinematics)",
                 "branch 'MET_phi' is missing; the mw analysis needs it (mT)",
                 "weight branch 'MEParamWeight' of the 'mass' systematic group is missing",
                 "branch 'GenV_pt' is missing (pT^V bins of the 'angular' systematic group)",
                 "branch 'Muon_dxybs' is missing (input group 'dxybs'"):
        assert line in text, text


def test_non_finite_events_plain_arrays():
    """The plain function: event indices of NaN/±inf values and the first bad flat index; one value, a row or objects per event."""
    none, first = non_finite_events(np.array([1.0, 2.0, 3.0]))
    assert none.size == 0 and first == -1
    evts, first = non_finite_events(np.array([1.0, np.inf, 3.0, np.nan], np.float32))
    assert evts.tolist() == [1, 3] and first == 1
    evts, first = non_finite_events(np.array([[1.0, 2.0], [3.0, -np.inf], [np.nan, np.nan]]))
    assert evts.tolist() == [1, 2] and first == 3
    # jagged: events of 2, 0, 3, 1 objects
    off = np.array([0, 2, 2, 5, 6])
    evts, first = non_finite_events(np.array([1.0, 1.0, 1.0, np.nan, np.nan, np.inf]), off)
    assert evts.tolist() == [2, 3] and first == 3
    assert non_finite_events(np.arange(5))[1] == -1  # integers are always finite


@pytest.mark.parametrize(("branch", "index", "entry"), [("Muon_pt", 10, None), ("Muon_phi", 0, 0), ("MET_pt", 7, 7),
                                                        ("genWeight", 199, 199), ("MEParamWeight", 21 * 42 + 20, 42)])
def test_non_finite_input_is_an_error(tmp_path, all_groups, branch, index, entry):
    path = write_nano(tmp_path / "nan.root", 200, edit=lambda d: set_value(d, branch, index, np.nan))
    if entry is None:  # the event of muon `index`
        entry = int(np.searchsorted(np.cumsum(ak.num(make_events(200)["Muon"])), index, side="right"))
    with pytest.raises(InputError) as err:
        run_processor(make_processor("mw", all_groups), [str(path)])
    column = " (column 20)" if branch == "MEParamWeight" else ""
    assert str(err.value) == (f"{path}: non-finite input: branch {branch!r}{column} is nan at entry {entry} (1 event of entries 0–199); "
                              "set histogram.non_finite: drop to drop such events (their number is recorded in the histogram file, "
                              "non_finite_dropped)")


def test_non_finite_entry_is_the_file_entry_in_later_chunks(tmp_path):
    """Chunked processing: the entry named is the entry in the file, and every bad branch is listed."""
    def edit(d):
        set_value(d, "MET_phi", 2306, np.inf)
        set_value(d, "MET_pt", 2999, -np.inf)
        set_value(d, "MET_pt", 2500, np.nan)
    path = write_nano(tmp_path / "late.root", 3000, edit=edit, basket=1000)
    with pytest.raises(InputError) as err:
        run_processor(make_processor("mw", Options(is_mc=True)), [str(path)], chunksize=1000)
    text = str(err.value)
    assert text.startswith(f"{path}: non-finite inputs in 2 branches:\n")
    assert "branch 'MET_pt' is nan at entry 2500 (2 events of entries 2000–2999)" in text
    assert "branch 'MET_phi' is inf at entry 2306 (1 event of entries 2000–2999)" in text


BAD = {"Muon_pt": [(10, np.nan), (500, np.inf)], "Muon_eta": [(77, -np.inf)], "MET_phi": [(3, np.nan)],
       "genWeight": [(150, np.inf)], "LHEPdfWeight": [(40 * 1200 + 3, np.nan)]}


def _bad_events(analysis: str) -> list[int]:
    owner = np.repeat(np.arange(2000), ak.to_numpy(ak.num(make_events(2000, seed=4)["Muon"])))
    used = [b for b in BAD if analysis != "dilepton" or not b.startswith("MET")]  # dilepton reads no pT^miss
    out = {owner[i] if b.startswith("Muon") else (i // 40 if b == "LHEPdfWeight" else i) for b in used for i, _ in BAD[b]}
    return sorted(int(x) for x in out)


@pytest.mark.parametrize("analysis", ["mw", "wlike", "dilepton"])
def test_non_finite_drop_equals_the_file_without_those_events(tmp_path, all_groups, analysis):
    """``non_finite: drop``: the histograms are those of the same file without the bad events, bit for bit; the count is returned."""
    def poison(d):
        for branch, values in BAD.items():
            for i, v in values:
                set_value(d, branch, i, v)
    drop = _bad_events(analysis)
    keep = np.setdiff1d(np.arange(2000), drop)
    bad = write_nano(tmp_path / "bad.root", 2000, seed=4, edit=poison, basket=700)
    clean = write_nano(tmp_path / "clean.root", 2000, seed=4, edit=lambda d: d.update({k: v[keep] for k, v in d.items()}))
    opts = dataclasses.replace(all_groups, non_finite="drop")
    got = run_processor(make_processor(analysis, opts), [str(bad)], chunksize=700)
    want = run_processor(make_processor(analysis, opts), [str(clean)])
    assert got["non_finite_dropped"] == len(drop) == (5 if analysis == "dilepton" else 6) and want["non_finite_dropped"] == 0
    assert got["n_events"] == 2000 - len(drop) == want["n_events"] and got["sum_w"] == want["sum_w"]
    assert set(got["hists"]) == set(want["hists"])
    for name, h in want["hists"].items():
        assert np.array_equal(got["hists"][name].view(flow=True), h.view(flow=True)), name


def test_non_finite_drop_without_event_numbers(tmp_path):
    """Without the event-ID branches the event number is the entry number, also for the events after a dropped one."""
    path = write_nano(tmp_path / "noid.root", 300, drop=("run", "luminosityBlock", "event"),
                      edit=lambda d: set_value(d, "MET_pt", 5, np.nan))
    events = events_from_file(str(path))
    kept, ev = read_events(events, analysis="wlike", is_mc=True, need_met=True, triggers=("IsoMu24",), trigger_bits=10,
                           allow_missing=frozenset({"event_ids"}), need_gen=False, non_finite="drop")
    assert len(kept) == ev.n == 299 and ev.dropped == 1
    assert ev.event.tolist() == [*range(5), *range(6, 300)]
    with pytest.raises(InputError, match="branch 'MET_pt' is nan at entry 5"):
        read_events(events, analysis="wlike", is_mc=True, need_met=True, triggers=("IsoMu24",), trigger_bits=10,
                    allow_missing=frozenset({"event_ids"}), need_gen=False)


def test_weight_branch_inside_a_collection_is_refused_by_name(tmp_path, all_groups):
    """A weight branch configured with a "_" name (NanoAODSchema makes it a collection field) is an InputError, not a KeyError."""
    def edit(d):
        d["LHE_massWeight"] = d.pop("MEParamWeight")
    path = write_nano(tmp_path / "lhe.root", 100, edit=edit)
    opts = dataclasses.replace(all_groups, weight_branches={**all_groups.weight_branches, "mass": "LHE_massWeight"})
    with pytest.raises(InputError, match="weight branch 'LHE_massWeight' of the 'mass' systematic group is missing"):
        run_processor(make_processor("mw", opts), [str(path)])
