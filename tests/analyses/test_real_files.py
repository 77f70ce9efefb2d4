"""The processors on real CMS NanoAOD, against an independent event-by-event selection (plain uproot)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import uproot

from wmass.analyses import make_processor
from wmass.analyses.options import Options
from wmass.analyses.runner import run_processor

M_MU = 0.1056583755
ALLOW_2018 = frozenset({"dxybs"})  # NanoAOD v6/v7: no Muon_dxybs
ALLOW_2015 = frozenset({"dxybs", "trigger", "trigger_match"})  # no IsoMu24/IsoTkMu24 path, no TrigObj
ALLOW_2012 = frozenset({"event_ids", "dxybs", "muon_id", "isolation", "trigger", "trigger_match", "electrons"})


def _arrays(path: str) -> dict:
    tree = uproot.open(path)["Events"]
    keys = set(tree.keys())
    prefixes = ("Muon_", "Electron_", "TrigObj_", "MET_", "HLT_IsoMu24", "HLT_IsoTkMu24", "genWeight", "event")
    return {k: tree[k].array(library="np") for k in keys if k.startswith(prefixes)}


def _get(a: dict, key: str, i: int, default: object) -> object:
    return a[key][i] if key in a else default


def _muons(a: dict, i: int) -> list[dict]:
    out = []
    for j in range(len(a["Muon_pt"][i])):
        eta, phi = float(a["Muon_eta"][i][j]), float(a["Muon_phi"][i][j])
        matched = True
        if "TrigObj_id" in a:
            matched = any(
                a["TrigObj_id"][i][t] == 13 and (a["TrigObj_filterBits"][i][t] & 10) == 10
                and (eta - a["TrigObj_eta"][i][t]) ** 2 + ((phi - a["TrigObj_phi"][i][t] + math.pi) % (2 * math.pi) - math.pi) ** 2 < 0.09
                for t in range(len(a["TrigObj_id"][i]))
            )
        dxy = a["Muon_dxybs"][i][j] if "Muon_dxybs" in a else (a["Muon_dxy"][i][j] if "Muon_dxy" in a else 0.0)
        mu = {"pt": float(a["Muon_pt"][i][j]), "eta": eta, "phi": phi, "q": int(a["Muon_charge"][i][j]),
              "loose": bool(_get(a, "Muon_looseId", i, [True] * 99)[j]), "medium": bool(_get(a, "Muon_mediumId", i, [True] * 99)[j]),
              "glob": bool(_get(a, "Muon_isGlobal", i, [True] * 99)[j]), "iso": float(_get(a, "Muon_pfRelIso04_all", i, [0.0] * 99)[j]),
              "dxy": float(dxy), "matched": matched}
        mu["veto"] = mu["pt"] > 15 and abs(eta) < 2.4 and mu["loose"] and mu["glob"] and abs(mu["dxy"]) < 0.05
        out.append(mu)
    return out


def _event_ok(a: dict, i: int) -> bool:
    trig = [a[k][i] for k in ("HLT_IsoMu24", "HLT_IsoTkMu24") if k in a]
    if trig and not any(trig):
        return False
    if "Electron_pt" in a:
        for j in range(len(a["Electron_pt"][i])):
            if (a["Electron_pt"][i][j] > 10 and abs(a["Electron_eta"][i][j]) < 2.4 and abs(a["Electron_dxy"][i][j]) < 0.05
                    and abs(a["Electron_dz"][i][j]) < 0.2 and a["Electron_cutBased"][i][j] >= 2):
                return False
    return True


def _mass(m1: dict, m2: dict) -> float:
    px = m1["pt"] * math.cos(m1["phi"]) + m2["pt"] * math.cos(m2["phi"])
    py = m1["pt"] * math.sin(m1["phi"]) + m2["pt"] * math.sin(m2["phi"])
    pz = m1["pt"] * math.sinh(m1["eta"]) + m2["pt"] * math.sinh(m2["eta"])
    e = sum(math.sqrt((m["pt"] * math.cosh(m["eta"])) ** 2 + M_MU**2) for m in (m1, m2))
    return math.sqrt(max(e * e - px * px - py * py - pz * pz, 0.0))


def reference_dilepton(path: str) -> int:
    a = _arrays(path)
    count = 0
    for i in range(len(a["Muon_pt"])):
        v = [m for m in _muons(a, i) if m["veto"]]
        if len(v) != 2 or v[0]["q"] * v[1]["q"] >= 0 or not _event_ok(a, i):
            continue
        tight = all(26 < m["pt"] < 60 and abs(m["eta"]) < 2.4 and m["medium"] and m["iso"] < 0.15 for m in v)
        if tight and (v[0]["matched"] or v[1]["matched"]) and 60 < _mass(*v) < 120:
            count += 1
    return count


def reference_mw(path: str) -> tuple[int, int]:
    """(events in all four isolation × mT regions, events in the signal region)."""
    a = _arrays(path)
    base = signal = 0
    for i in range(len(a["Muon_pt"])):
        v = [m for m in _muons(a, i) if m["veto"]]
        if len(v) != 1 or not _event_ok(a, i):
            continue
        m = v[0]
        if not (26 < m["pt"] < 56 and abs(m["eta"]) < 2.4 and m["medium"] and m["matched"]):
            continue
        base += 1
        met, mphi = float(a["MET_pt"][i]), float(a["MET_phi"][i])
        mt = math.sqrt(max(2 * m["pt"] * met * (1 - math.cos(m["phi"] - mphi)), 0.0))
        signal += int(m["iso"] < 0.15 and mt > 40)
    return base, signal


def _entries(h) -> int:  # type: ignore[no-untyped-def]
    """Number of filled events of a histogram filled with unit weights (data) — its sum."""
    return int(round(float(h.values().sum())))


@pytest.mark.parametrize(("name", "allow", "is_mc"), [
    ("nano_dimuon.root", ALLOW_2018, False),
    ("nano_dy.root", ALLOW_2018, False),
    ("nanoAOD_2015_CMS_Open_Data_ttbar.root", ALLOW_2015, False),
    ("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root", ALLOW_2012, False),
])
def test_dilepton_counts(data_dir, name, allow, is_mc):
    path = str(data_dir / name)
    out = run_processor(make_processor("dilepton", Options(is_mc=is_mc, allow_missing=allow)), [path])
    assert _entries(out["hists"]["nominal"]) == reference_dilepton(path)
    assert out["missing_inputs"] <= allow


def test_dilepton_2012_finds_z(data_dir):
    """The 2012 file has ~100 opposite-sign pairs near the Z: a good fraction survives the selection."""
    path = str(data_dir / "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root")
    out = run_processor(make_processor("dilepton", Options(is_mc=False, allow_missing=ALLOW_2012)), [path])
    h = out["hists"]["nominal"]
    assert 30 < h.values().sum() < 110
    mass = h.project("mll")
    assert mass[86j:96j].values().sum() > 0.5 * mass.values().sum()  # peaked at m_Z


@pytest.mark.parametrize(("name", "allow"), [
    ("nano_dimuon.root", ALLOW_2018),
    ("nano_dy.root", ALLOW_2018),
    ("nanoAOD_2015_CMS_Open_Data_ttbar.root", ALLOW_2015),
])
def test_mw_counts(data_dir, name, allow):
    path = str(data_dir / name)
    out = run_processor(make_processor("mw", Options(is_mc=False, allow_missing=allow)), [path])
    nominal = out["hists"]["nominal"]
    base, signal = reference_mw(path)
    assert _entries(nominal) == base
    assert int(round(nominal[:, :, :, True, 2].values().sum())) == signal
    assert out["n_events"] == len(uproot.open(path)["Events"]["Muon_pt"].array())


def test_mw_simulation_weights(data_dir):
    """As simulation, the DY file is weighted by genWeight (signed): the sum of weights is reported."""
    path = str(data_dir / "nano_dy.root")
    out = run_processor(make_processor("mw", Options(is_mc=True, allow_missing=ALLOW_2018)), [path])
    gw = uproot.open(path)["Events"]["genWeight"].array(library="np").astype(np.float64)
    assert out["sum_w"] == pytest.approx(gw.sum(), rel=1e-6)
