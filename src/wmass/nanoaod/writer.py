"""Write NanoAOD-schema ROOT files with uproot: the ``Events`` TTree (``mktree`` with NanoAOD counter
and field names, not an RNTuple), a ``Runs`` TTree as CMS (genEventCount, genEventSumw, genEventSumw2
for simulation) and JSON provenance as TObjString ``provenance``. Written atomically.

Speed (measured on 200k W events, 840 bytes/event, see benchmarks/generate.py): the events are
written in baskets of :data:`BASKET_EVENTS` events (one ``extend`` each), whose few-MB buffers stay
in the CPU caches through uproot's copies (with glibc's default allocator, one 200k-event basket per
branch writes ~2× slower; with wmass.generate.memory's settings the two are within 10%); and the file
is opened without truncation, because ext4 flushes the data of a truncated or renamed-over file
synchronously on close.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from wmass.io import atomic_path
from wmass.nanoaod.schema import TREE, Branches, Collection, Jagged

__all__ = ["BASKET_EVENTS", "read_branches", "to_awkward", "write_nanoaod"]

#: Events per TBasket (uproot writes one basket per branch and ``extend`` call).
BASKET_EVENTS = 50_000


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


def _block(value: np.ndarray | Collection | Jagged, lo: int, hi: int, offsets: np.ndarray | None
           ) -> np.ndarray | Collection | Jagged:
    """Events [lo, hi) of a branch value (``offsets``: cumulative counts of a Collection or Jagged)."""
    if isinstance(value, Collection):
        a, b = offsets[lo], offsets[hi]  # type: ignore[index]
        return Collection(value.counts[lo:hi], {k: v[a:b] for k, v in value.fields.items()})
    if isinstance(value, Jagged):
        a, b = offsets[lo], offsets[hi]  # type: ignore[index]
        return Jagged(value.counts[lo:hi], value.values[a:b])
    return value[lo:hi]


def write_nanoaod(
    target: str | Path,
    branches: Branches,
    provenance: Mapping[str, Any],
    is_data: bool,
    compression: Any = None,
    *,
    atomic: bool = True,
) -> None:
    """Write ``branches`` as the ``Events`` tree of ``target`` (atomically), with ``Runs`` and provenance.

    ``compression`` (an uproot compression, default none): the float32 kinematics and weights compress
    poorly for their cost (measured on 200k W events, 167 MB and 0.34 s uncompressed: LZ4(1) 125 MB at
    +25% writing time, ZSTD(1) 94 MB at +90%, ZLIB(1), uproot's default, 87 MB at 10×), so the files
    are written uncompressed.
    ``atomic=False`` writes into ``target`` itself (a caller that renames it into place, e.g. after
    writing a sidecar).
    """
    n = int(np.asarray(branches["run"]).shape[0])
    offsets = {name: np.concatenate([[0], np.cumsum(val.counts, dtype=np.int64)])
               for name, val in branches.items() if isinstance(val, (Collection, Jagged))}
    starts = range(0, n, BASKET_EVENTS) if n else [0]

    def block(lo: int) -> dict[str, np.ndarray | ak.Array]:
        hi = min(lo + BASKET_EVENTS, n)
        return {name: to_awkward(_block(val, lo, hi, offsets.get(name))) for name, val in branches.items()}

    first = block(starts[0])
    types = {name: (val.dtype if isinstance(val, np.ndarray) else val.type.content) for name, val in first.items()}
    with contextlib.ExitStack() as stack:
        path = Path(stack.enter_context(atomic_path(target))) if atomic else Path(target)
        # mkstemp's (or the caller's) empty file is written in place: no truncation, no flush on close
        fresh = path.exists() and path.stat().st_size == 0
        sink = stack.enter_context(open(path, "r+b" if fresh else "w+b"))
        with uproot.create(sink, compression=compression) as f:
            f.mktree(TREE, types, title="Events")
            for lo in starts:
                f[TREE].extend(first if lo == starts[0] else block(lo))
            runs = _runs_tree(branches, is_data)
            f.mktree("Runs", {k: v.dtype for k, v in runs.items()}, title="Runs")
            f["Runs"].extend(runs)
            f["provenance"] = json.dumps(dict(provenance), sort_keys=True, default=str)


def read_branches(path: str | Path) -> dict[str, np.ndarray | ak.Array]:
    """All ``Events`` branches of a file, as arrays (for tests and checks)."""
    with uproot.open(path) as f:
        return f[TREE].arrays(library="ak", how=dict)
