"""Merge per-chunk histogram files of one (analysis, sample) into one file.

Refuses, naming the file, when a chunk is missing or incomplete, or was made with another
configuration (its config hash differs) or for another analysis/sample: a merged histogram must
never silently mix configurations. The summed metadata must be finite numbers (and ``n_events``,
``lumi_pb``, ``non_finite_dropped`` not negative): a chunk with e.g. ``lumi_pb`` NaN is refused, named.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hist

from wmass.errors import InputError
from wmass.histograms.io import read_hists, write_hists

__all__ = ["merge_files"]

#: Metadata keys that must agree between the chunks being merged.
CONSISTENT_KEYS = ("config_hash", "analysis", "sample")
#: Metadata keys that are summed over chunks (``lumi_pb``: integrated luminosity of pseudo-data chunks; 0 for simulation).
SUMMED_KEYS = ("n_events", "sum_w", "sum_w2", "lumi_pb")
#: Summed keys that count (integers in the merged file): events used and events dropped for a non-finite input.
COUNTED_KEYS = ("non_finite_dropped",)
#: Summed keys that cannot be negative.
NON_NEGATIVE_KEYS = ("n_events", "lumi_pb", "non_finite_dropped")


def merge_files(inputs: Sequence[str | Path], output: str | Path, provenance: dict[str, Any]) -> dict[str, Any]:
    """Sum the histograms of ``inputs`` into ``output``; return the merged metadata."""
    if not inputs:
        raise InputError("merge: no input files given")
    total: dict[str, hist.Hist] = {}
    reference: dict[str, Any] | None = None
    sums = dict.fromkeys(SUMMED_KEYS, 0.0)
    counts = dict.fromkeys(COUNTED_KEYS, 0)
    missing: set[str] = set()
    for path in inputs:
        hists, meta = read_hists(path)
        if reference is None:
            reference, ref_path, total = meta, path, hists
        else:
            _check_consistent(meta, reference, path, ref_path)
            if set(hists) != set(total):
                raise InputError(f"{path} holds histograms {sorted(hists)}, {ref_path} holds {sorted(total)}")
            for name, h in hists.items():
                if h.axes != total[name].axes:
                    raise InputError(f"histogram {name!r} in {path} has other axes than in {ref_path}")
                total[name] = total[name] + h
        for key in SUMMED_KEYS:
            sums[key] += _number(meta, key, path)
        for key in COUNTED_KEYS:
            counts[key] += int(_number(meta, key, path))
        missing.update(meta.get("missing_inputs", []))
    assert reference is not None
    meta = {key: reference.get(key) for key in CONSISTENT_KEYS}
    meta.update(sums, **counts, missing_inputs=sorted(missing), chunks=len(inputs), inputs=[str(p) for p in inputs],
                provenance=provenance)
    write_hists(output, total, meta)
    return meta


def _number(meta: dict[str, Any], key: str, path: Any) -> float:
    """The summed metadata value ``key`` of a chunk (0 when absent); an InputError naming the file when it is not a
    finite number, or negative for :data:`NON_NEGATIVE_KEYS`."""
    value = meta.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"refusing to merge {path}: its {key} is {value!r}, not a finite number")
    if key in NON_NEGATIVE_KEYS and value < 0:
        raise InputError(f"refusing to merge {path}: its {key} is {value!r}, a negative value")
    return float(value)


def _check_consistent(meta: dict[str, Any], ref: dict[str, Any], path: Any, ref_path: Any) -> None:
    for key in CONSISTENT_KEYS:
        if meta.get(key) != ref.get(key):
            raise InputError(
                f"refusing to merge {path}: its {key} is {meta.get(key)!r} but {ref_path} has {ref.get(key)!r}"
            )
