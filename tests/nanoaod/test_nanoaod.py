"""NanoAOD output: CMS branch names and types, GenPart record, readable by uproot and coffea."""

import warnings

import awkward as ak
import numpy as np
import pytest
import uproot

from tests.helpers import assert_branches_on_disk, shared_data
from tests.synthetic import make_truth
from wmass.config import load_config
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.nanoaod.genpart import FLAG
from wmass.nanoaod.ops import concat_branches, permute_branches
from wmass.nanoaod.schema import Collection, Jagged, gen_branches, merge_branches, reco_branches
from wmass.nanoaod.writer import read_branches, write_nanoaod

REFERENCE = str(shared_data() / "nano_dy.root")


def _branches(process: str, n: int = 3000, data: bool = False):
    det = DetectorParams.from_config(load_config("config/config.yaml")["detector"])
    truth = make_truth(process, n, seed=5)
    reco = simulate(truth, det, process, np.random.default_rng(6))
    ones = np.ones(n, dtype=np.uint32)
    b = reco_branches(reco, ones, ones, truth.event)
    return b if data else merge_branches(b, gen_branches(truth, reco, process))


@pytest.fixture(scope="module")
def mc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("nano") / "zmumu.root"
    write_nanoaod(path, _branches("zmumu"), {"stage": "generate"}, is_data=False)
    return path


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("nano") / "data.root"
    write_nanoaod(path, _branches("wplus", data=True), {"stage": "generate"}, is_data=True)
    return path


def test_ttree_with_cms_types(mc_file):
    with uproot.open(mc_file) as f, uproot.open(REFERENCE) as ref:
        events = f["Events"]
        assert isinstance(events, uproot.TTree)
        ours, cms = events.items(), dict(ref["Events"].items())
        common = [name for name, _ in ours if name in cms and not name.startswith("n")]
        assert len(common) > 40
        for name in common:
            assert str(events[name].interpretation) == str(cms[name].interpretation), name
        for name in ("Muon_dxybs", "Muon_isStandalone", "HLT_Dimuon0_Jpsi", "GenV_mass", "MEParamWeight", "nMuon"):
            assert name in events
        runs = f["Runs"].arrays(library="np")
        assert runs["genEventSumw"][0] == pytest.approx(np.sum(events["genWeight"].array(library="np").astype(np.float64)))


def test_genpart_record(mc_file):
    arr = read_branches(mc_file)
    mother = arr["GenPart_genPartIdxMother"]
    assert ak.all(mother < ak.local_index(mother))
    idx = arr["Muon_genPartIdx"]
    matched = idx >= 0
    gen_pdg = arr["GenPart_pdgId"][ak.where(matched, idx, 0)]
    assert ak.all((gen_pdg == arr["Muon_pdgId"])[matched])
    final = arr["GenPart_status"] == 1
    assert ak.all((arr["GenPart_statusFlags"][final] & FLAG["isLastCopy"]) > 0)
    assert ak.all(arr["GenPart_pdgId"][:, 0] == 23)


def test_data_has_no_generator_information(data_file):
    with uproot.open(data_file) as f:
        names = set(f["Events"].keys())
        assert "Runs" in f and set(f["Runs"].keys()) == {"run"}
    assert not {n for n in names if n.startswith(("Gen", "genWeight", "LHE", "Pileup", "MEParam", "nGen"))}
    assert "Muon_genPartIdx" not in names


def test_coffea_nanoaodschema_reads_both(mc_file, data_file):
    from coffea.nanoevents import NanoAODSchema, NanoEventsFactory

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mc = NanoEventsFactory.from_root({str(mc_file): "Events"}, schemaclass=NanoAODSchema, mode="eager").events()
        data = NanoEventsFactory.from_root({str(data_file): "Events"}, schemaclass=NanoAODSchema, mode="eager").events()
    assert len(mc) == 3000 and len(data) == 3000
    pdg = mc.Muon.matched_gen.pdgId
    assert ak.all(ak.fill_none(pdg == mc.Muon.pdgId, True))
    parent = mc.Muon.matched_gen.parent.pdgId
    assert ak.all(ak.fill_none((parent == 23) | (parent == mc.Muon.pdgId), True))
    assert ak.sum(mc.GenPart.hasFlags(["isLastCopy"])) > 0
    assert float(ak.mean(mc.GenV.mass)) == pytest.approx(91.19, abs=0.5)
    assert len(data.HLT.IsoMu24) == 3000 and 0 < ak.sum(data.HLT.IsoMu24) < 3000
    assert ak.num(data.Muon.pt, axis=0) == 3000 and "GenPart" not in data.fields
    for ev in (mc, data):  # events.PV: the beam-spot-like primary vertex (cm) and the vertex count
        assert {"x", "y", "z", "npvs", "npvsGood"} <= set(ev.PV.fields)
        assert all(ak.to_numpy(ev.PV[c]).dtype == np.float32 for c in ("x", "y", "z"))
        assert float(ak.std(ev.PV.z)) == pytest.approx(3.5, rel=0.1)
        assert float(ak.std(ev.PV.x)) == pytest.approx(0.002, rel=0.1) and abs(float(ak.mean(ev.PV.y))) < 3e-4
        assert ak.all(ev.PV.npvs >= 1)


def test_concat_and_permute_hand_case():
    a = {"x": np.array([1, 2]), "C": Collection(np.array([1, 2]), {"v": np.array([10, 20, 21])}),
         "J": Jagged(np.array([0, 1]), np.array([5]))}
    b = {"x": np.array([3]), "C": Collection(np.array([0]), {"v": np.array([], dtype=int)}),
         "J": Jagged(np.array([2]), np.array([6, 7]))}
    cat = concat_branches([a, b])
    out = permute_branches(cat, np.array([1, 2, 0]))
    assert out["x"].tolist() == [2, 3, 1]
    assert out["C"].counts.tolist() == [2, 0, 1] and out["C"].fields["v"].tolist() == [20, 21, 10]
    assert out["J"].counts.tolist() == [1, 2, 0] and out["J"].values.tolist() == [5, 6, 7]
    with pytest.raises(ValueError, match="defined twice"):
        merge_branches(a, {"x": np.array([0, 0])})


def test_several_baskets_read_back_as_one(tmp_path, monkeypatch):
    """Events written in several baskets (writer.BASKET_EVENTS) read back identical, collections and
    weight arrays included; atomic=False writes into the (empty) target itself."""
    from wmass.nanoaod import writer

    branches = _branches("zmumu", n=2500)
    branches["TestWeight"] = Jagged(np.full(2500, 3), np.arange(7500, dtype=np.float32))
    monkeypatch.setattr(writer, "BASKET_EVENTS", 700)
    target = tmp_path / "blocks.root"
    target.touch()
    write_nanoaod(target, branches, {"stage": "generate"}, is_data=False, atomic=False)
    assert not list(tmp_path.glob(".*.tmp"))
    with uproot.open(target) as f:
        assert f["Events"]["Muon_pt"].num_baskets == 4
    on_disk = read_branches(target)
    assert_branches_on_disk(on_disk, branches)
