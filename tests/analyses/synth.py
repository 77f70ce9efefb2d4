"""Tiny synthetic NanoAOD files (uproot mktree) for the processor tests and the benchmark.

W-like events: one or two muons (the second one soft or absent), trigger objects on the muons,
pT^miss balancing the first muon, generator matching, GenV_* and the generator weight arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import awkward as ak
import numpy as np
import uproot

WEIGHT_SIZES = {"MEParamWeight": 21, "MEParamWeightAltSet1": 2, "LHEPdfWeight": 40, "LHEPdfWeightAltSets": 5,
                "PtVWeight": 6, "HelicityWeight": 10, "QEDFSRWeight": 3}


def _jagged(values: np.ndarray, counts: np.ndarray) -> ak.Array:
    return ak.unflatten(values, counts)


def make_events(n: int, seed: int = 1, two_muon_fraction: float = 0.3) -> dict[str, object]:
    """Branch dict of ``n`` synthetic events (numpy / awkward)."""
    rng = np.random.default_rng(seed)
    nmu = 1 + (rng.random(n) < two_muon_fraction).astype(np.int64)
    m = int(nmu.sum())
    gen_pt = np.maximum(rng.normal(40.0, 8.0, m), 15.0)  # a Jacobian-peak-like spectrum
    pt = gen_pt * (1.0 + 0.015 * rng.standard_normal(m))  # reconstructed: 1.5 % resolution
    eta = rng.uniform(-2.5, 2.5, m)
    phi = rng.uniform(-np.pi, np.pi, m)
    charge = rng.choice([-1, 1], m).astype(np.int32)
    first = np.concatenate([[0], np.cumsum(nmu)[:-1]])
    muon = ak.zip({
        "pt": _jagged(pt.astype(np.float32), nmu), "eta": _jagged(eta.astype(np.float32), nmu),
        "phi": _jagged(phi.astype(np.float32), nmu), "charge": _jagged(charge, nmu),
        "mass": _jagged(np.full(m, 0.1057, np.float32), nmu),
        "looseId": _jagged(rng.random(m) < 0.97, nmu), "mediumId": _jagged(rng.random(m) < 0.95, nmu),
        "isGlobal": _jagged(rng.random(m) < 0.98, nmu),
        "pfRelIso04_all": _jagged(rng.exponential(0.08, m).astype(np.float32), nmu),
        "dxybs": _jagged((0.01 * rng.standard_normal(m)).astype(np.float32), nmu),
        "dxy": _jagged((0.01 * rng.standard_normal(m)).astype(np.float32), nmu),
        "genPartIdx": _jagged((np.arange(m) - np.repeat(first, nmu)).astype(np.int32), nmu),
    })
    # generator muons: those of the reconstructed muons, then (20 % of single-muon events) a lost one
    lost = (nmu == 1) & (rng.random(n) < 0.2)
    ngen = nmu + lost
    slot = np.concatenate([[0], np.cumsum(ngen)[:-1]])
    g = int(ngen.sum())
    reco_pos = np.repeat(slot, nmu) + (np.arange(m) - np.repeat(first, nmu))
    lost_pos = slot[lost] + 1

    def gen_field(reco: np.ndarray, extra: np.ndarray, dtype: type) -> ak.Array:
        out = np.empty(g, dtype)
        out[reco_pos], out[lost_pos] = reco, extra
        return _jagged(out, ngen)

    k_lost = int(lost.sum())
    gen = ak.zip({"pt": gen_field(gen_pt, rng.normal(35.0, 10.0, k_lost), np.float32),
                  "eta": gen_field(eta, rng.uniform(-2.6, 2.6, k_lost), np.float32),
                  "phi": gen_field(phi, rng.uniform(-np.pi, np.pi, k_lost), np.float32),
                  "mass": _jagged(np.full(g, 0.1057, np.float32), ngen),
                  "pdgId": gen_field(-13 * charge, rng.choice([-13, 13], k_lost), np.int32),
                  "status": _jagged(np.ones(g, np.int32), ngen),
                  "genPartIdxMother": _jagged(np.full(g, -1, np.int32), ngen),
                  "statusFlags": _jagged(np.full(g, 8193, np.int32), ngen)})
    fired = rng.random(m) < 0.9
    trig = ak.zip({"pt": _jagged(pt.astype(np.float32), nmu), "eta": _jagged(eta.astype(np.float32), nmu),
                   "phi": _jagged(phi.astype(np.float32), nmu),
                   "id": _jagged(np.full(m, 13, np.int32), nmu),
                   "filterBits": _jagged(np.where(fired, 10, 0).astype(np.int32), nmu)})
    nel = (rng.random(n) < 0.05).astype(np.int64)
    k = int(nel.sum())
    ele = ak.zip({"pt": _jagged(rng.uniform(5, 40, k).astype(np.float32), nel),
                  "eta": _jagged(rng.uniform(-2.5, 2.5, k).astype(np.float32), nel),
                  "phi": _jagged(rng.uniform(-3, 3, k).astype(np.float32), nel),
                  "mass": _jagged(np.zeros(k, np.float32), nel), "charge": _jagged(np.ones(k, np.int32), nel),
                  "dxy": _jagged(np.zeros(k, np.float32), nel), "dz": _jagged(np.zeros(k, np.float32), nel),
                  "cutBased": _jagged(rng.integers(0, 5, k).astype(np.int32), nel)})
    lead_pt, lead_phi = pt[first], phi[first]
    out: dict[str, object] = {
        "run": np.ones(n, np.uint32), "luminosityBlock": np.ones(n, np.uint32),
        "event": np.arange(1, n + 1, dtype=np.uint64) + np.uint64(1000 * seed),
        "genWeight": np.where(rng.random(n) < 0.02, -1.0, 1.0).astype(np.float32) * np.float32(0.37),
        "Muon": muon, "GenPart": gen, "TrigObj": trig, "Electron": ele,
        "MET_pt": (lead_pt * rng.uniform(0.5, 1.3, n)).astype(np.float32),
        "MET_phi": ((lead_phi + np.pi + 0.3 * rng.standard_normal(n) + np.pi) % (2 * np.pi) - np.pi).astype(np.float32),
        "HLT_IsoMu24": rng.random(n) < 0.95,
        "GenV_pt": rng.exponential(8.0, n).astype(np.float32), "GenV_mass": rng.normal(80.4, 2.0, n).astype(np.float32),
    }
    for name, size in WEIGHT_SIZES.items():
        w = (1.0 + 0.01 * rng.standard_normal((n, size))).astype(np.float32)
        out[name] = ak.unflatten(w.ravel(), np.full(n, size))
    return out


def write_nano(
    path: Path, n: int, seed: int = 1, drop: tuple[str, ...] = (), basket: int | None = None,
    edit: Callable[[dict[str, object]], None] | None = None,
) -> Path:
    """Write ``n`` synthetic events to ``path`` (TTree "Events"); ``drop`` removes flat branches by name;
    ``edit`` changes the branch dict (of :func:`make_events`) in place before writing."""
    data = make_events(n, seed)
    if edit is not None:
        edit(data)
    for name in drop:
        coll = name.split("_", 1)[0]
        if "_" in name and coll in data and isinstance(data[coll], ak.Array) and coll not in ("MET", "HLT", "GenV"):
            coll, field = name.split("_", 1)
            arr = data[coll]
            data[coll] = ak.zip({f: arr[f] for f in arr.fields if f != field})
        else:
            data.pop(name)
    with uproot.recreate(path) as f:
        tree = f.mktree("Events", {k: _uproot_type(v) for k, v in data.items()})
        step = basket or n
        for start in range(0, n, step):
            tree.extend({k: v[start:start + step] for k, v in data.items()})
    return path


def _uproot_type(v: object) -> object:
    return v.type if isinstance(v, ak.Array) else v.dtype


def set_value(data: dict[str, object], branch: str, index: int, value: float) -> None:
    """Set entry ``index`` of ``branch`` in a :func:`make_events` dict: per event (MET_pt, genWeight), per muon
    (Muon_pt: the flat index of the muon) or of a weight array (MEParamWeight: the flat index over events × columns)."""
    coll, _, field = branch.partition("_")
    if coll == "Muon":
        muon = data["Muon"]
        assert isinstance(muon, ak.Array)
        flat = ak.to_numpy(ak.flatten(muon[field])).copy()
        flat[index] = value
        data["Muon"] = ak.with_field(muon, ak.unflatten(flat, ak.num(muon[field])), field)
        return
    arr = data[branch]
    if isinstance(arr, ak.Array):  # a weight array
        flat = ak.to_numpy(ak.flatten(arr)).copy()
        flat[index] = value
        data[branch] = ak.unflatten(flat, ak.num(arr))
    else:
        assert isinstance(arr, np.ndarray)
        arr = arr.copy()
        arr[index] = value
        data[branch] = arr
