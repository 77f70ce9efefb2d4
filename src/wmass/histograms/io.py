"""Histogram files: one HDF5 file per (analysis, sample, chunk) holding named `hist.Hist` objects.

Layout (documented for other tools; any HDF5 reader can open it)::

    /                      attrs: format = "wmass-hists/1", meta = JSON (provenance, analysis,
                                  sample, chunks, config_hash, n_events, sum_w, complete = true)
    /hists/<name>/         one histogram in the UHI HDF5 serialisation (`uhi.io.hdf5`): axes
                           with names, labels and edges/categories; storage (Weight for nominal
                           histograms, Double for systematic "tensor" histograms)

Files are written atomically, so a file that exists is complete; ``complete`` is still checked so
that a file from an older layout or another tool is refused with a clear message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import hist
import numpy as np
import uhi.io.hdf5 as uhi_hdf5

from wmass.errors import InputError
from wmass.io import atomic_path

__all__ = ["FORMAT", "read_hists", "read_meta", "write_hists"]

FORMAT = "wmass-hists/1"


def write_hists(path: str | Path, hists: Mapping[str, hist.Hist], meta: Mapping[str, Any]) -> None:
    """Write ``hists`` and the metadata dict ``meta`` (JSON-serialisable) to ``path``, atomically."""
    for name, h in hists.items():
        _check_finite(h, name, str(path))
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["meta"] = json.dumps({**meta, "complete": True}, sort_keys=True, default=str)
            grp = f.create_group("hists")
            for name, h in hists.items():
                uhi_hdf5.write(grp.create_group(name), h)


def _open(path: Path) -> h5py.File:
    if not path.is_file():
        raise InputError(f"histogram file {path} does not exist")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise InputError(f"histogram file {path} is not a readable HDF5 file ({exc})") from exc


def _meta(f: h5py.File, path: Path) -> dict[str, Any]:
    if f.attrs.get("format") != FORMAT:
        raise InputError(f"histogram file {path} has format {f.attrs.get('format')!r}, expected {FORMAT!r}")
    meta = json.loads(f.attrs["meta"])
    if not meta.get("complete"):
        raise InputError(f"histogram file {path} is incomplete (no 'complete' flag): rerun the job that wrote it")
    return meta


def read_meta(path: str | Path) -> dict[str, Any]:
    """The metadata dict of a histogram file (checks the format and completeness)."""
    path = Path(path)
    with _open(path) as f:
        return _meta(f, path)


def read_hists(path: str | Path, names: list[str] | None = None) -> tuple[dict[str, hist.Hist], dict[str, Any]]:
    """Read all (or the named) histograms and the metadata of ``path``; refuse NaN contents."""
    path = Path(path)
    with _open(path) as f:
        meta = _meta(f, path)
        grp = f["hists"]
        wanted = list(grp) if names is None else names
        missing = [n for n in wanted if n not in grp]
        if missing:
            raise InputError(f"histogram file {path} lacks histogram(s) {missing}; it has {list(grp)}")
        # hist types its serialised-dict argument as dict[str, Any], which uhi's HistogramIR TypedDict is not
        out = {name: hist.Hist(uhi_hdf5.read(grp[name])) for name in wanted}  # type: ignore[call-overload]
    for name, h in out.items():
        _check_finite(h, name, str(path))
    return out, meta


def _check_finite(h: hist.Hist, name: str, where: str) -> None:
    values: np.ndarray = h.view(flow=True)  # a structured array (value, variance) for a Weight storage
    values = values["value"] if values.dtype.names else values
    bad = ~np.isfinite(values)
    if bad.any():
        index = tuple(int(i[0]) for i in np.nonzero(bad))
        raise InputError(f"histogram {name!r} in {where} has {int(bad.sum())} non-finite bin(s), first at index {index}")
