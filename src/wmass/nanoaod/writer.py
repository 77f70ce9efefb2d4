"""Write NanoAOD-schema ROOT files with uproot: the ``Events`` TTree (``mktree`` with NanoAOD counter
and field names, not an RNTuple), a ``Runs`` TTree as CMS (genEventCount, genEventSumw, genEventSumw2
for simulation) and JSON provenance as TObjString ``provenance``. Written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from wmass.io import atomic_path
from wmass.nanoaod.schema import TREE, Branches, Collection, Jagged

__all__ = ["read_branches", "to_awkward", "write_nanoaod"]


def _offsets(counts: np.ndarray) -> ak.index.Index64:
    off = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=off[1:])
    return ak.index.Index64(off)


def to_awkward(value: np.ndarray | Collection | Jagged) -> np.ndarray | ak.Array:
    """A branch value as uproot's ``extend`` wants it: numpy for flat branches, awkward for lists."""
    if isinstance(value, Collection):
        rec = ak.contents.RecordArray([ak.contents.NumpyArray(np.ascontiguousarray(v)) for v in value.fields.values()],
                                      list(value.fields))
        return ak.Array(ak.contents.ListOffsetArray(_offsets(value.counts), rec))
    if isinstance(value, Jagged):
        return ak.Array(ak.contents.ListOffsetArray(_offsets(value.counts), ak.contents.NumpyArray(value.values)))
    return np.ascontiguousarray(value)


def _runs_tree(branches: Branches, is_data: bool) -> dict[str, np.ndarray]:
    """One ``Runs`` entry per run number, with the sums of generator weights for simulation."""
    run = np.asarray(branches["run"])
    runs = np.unique(run).astype(np.uint32)
    out: dict[str, np.ndarray] = {"run": runs}
    if not is_data:
        w = np.asarray(branches["genWeight"], dtype=np.float64)
        idx = np.searchsorted(runs, run)
        out["genEventCount"] = np.bincount(idx, minlength=runs.shape[0]).astype(np.int64)
        out["genEventSumw"] = np.bincount(idx, weights=w, minlength=runs.shape[0])
        out["genEventSumw2"] = np.bincount(idx, weights=w * w, minlength=runs.shape[0])
    return out


def write_nanoaod(
    target: str | Path,
    branches: Branches,
    provenance: Mapping[str, Any],
    is_data: bool,
    compression: Any = None,
) -> None:
    """Write ``branches`` as the ``Events`` tree of ``target`` (atomically), with ``Runs`` and provenance.

    ``compression`` (an uproot compression, default none): the float kinematics and weights do not
    compress with LZ4 (measured: same size) and ZLIB(1) saves 40% at 5× the writing time.
    """
    data = {name: to_awkward(val) for name, val in branches.items()}
    types = {name: (val.dtype if isinstance(val, np.ndarray) else val.type.content) for name, val in data.items()}
    with atomic_path(target) as tmp:
        with uproot.recreate(tmp, compression=compression) as f:
            f.mktree(TREE, types, title="Events")
            f[TREE].extend(data)
            runs = _runs_tree(branches, is_data)
            f.mktree("Runs", {k: v.dtype for k, v in runs.items()}, title="Runs")
            f["Runs"].extend(runs)
            f["provenance"] = json.dumps(dict(provenance), sort_keys=True, default=str)


def read_branches(path: str | Path) -> dict[str, np.ndarray | ak.Array]:
    """All ``Events`` branches of a file, as arrays (for tests and checks)."""
    with uproot.open(path) as f:
        return f[TREE].arrays(library="ak", how=dict)
