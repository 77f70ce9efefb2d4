"""Missing branches and malformed inputs: clear errors naming file and branch, or an empty result."""

from __future__ import annotations

import pytest

from tests.analyses.synth import write_nano
from wmass.analyses import make_processor
from wmass.analyses.options import Options
from wmass.analyses.runner import run_processor
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
