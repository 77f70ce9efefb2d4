"""The fit input: an in-memory :class:`FitInput` and its HDF5 file format (``wmass-fitinput`` v1).

File layout (all arrays float64 unless noted; ``B`` = bins of all channels, in channel order,
``Bf`` = bins of the unmasked channels, ``P`` = processes, ``S`` = systematics)::

    /                      attrs: format="wmass-fitinput", format_version=1,
                                  provenance=<JSON string, wmass.provenance.provenance()>
    /channels              JSON string attr "spec": [{"name", "masked", "axes": [{"name", "edges"}]}]
                           (bins of a channel are its hist axes flattened in C order; masked channels
                           carry yields but no data and do not enter the likelihood)
    /processes             str [P];  /signal  bool [P]
    /nominal               [B, P]  expected yields ν⁰ (= sum of weights)
    /sumw, /sumw2          [B, P]  sum of weights and of squared weights (MC statistics)
    /data_obs              [Bf]    observed counts of the unmasked channels
    /systs                 str [S]
    /syst_constrained      bool [S];  /syst_weight [S] (Gaussian constraint weight w_s);
    /syst_noi              bool [S]   (nuisance of interest, e.g. the W mass in units of 100 MeV)
    /groups                JSON string attr "spec": {group: [syst, ...]}
    /pois                  JSON string attr "spec": {poi: [process, ...]} (r = poi² scales them)
    /logk                  attrs: storage="sparse"|"dense", symmetric=bool
      dense:  /logk/avg [B, P, S], /logk/halfdiff [B, P, S] (only when not symmetric)
      sparse: /logk/indices int64 [nnz, 3] = (bin, process, syst), rows sorted;
              /logk/avg [nnz], /logk/halfdiff [nnz] (only when not symmetric)

log κ follows rabbit's TensorWriter (https://github.com/WMass/rabbit, ``rabbit/tensorwriter.py``):
log κ_up = ln(up/ν⁰), log κ_down = −ln(down/ν⁰), avg = ½(up + down), halfdiff = ½(up − down).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from wmass.errors import InputError
from wmass.io import atomic_path

__all__ = ["Channel", "FitInput", "LogK", "read_fit_input", "write_fit_input", "FORMAT", "FORMAT_VERSION"]

FORMAT = "wmass-fitinput"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Channel:
    """A channel: name, its axes as (name, bin edges) and whether it is masked (no data)."""

    name: str
    axes: tuple[tuple[str, tuple[float, ...]], ...]
    masked: bool = False

    @property
    def nbins(self) -> int:
        """Number of bins: the product of the axes' bin counts."""
        return int(np.prod([len(edges) - 1 for _, edges in self.axes])) if self.axes else 1


@dataclass
class LogK:
    """log κ over [bin, process, syst]: sparse COO (``indices`` [nnz, 3]) or dense [B, P, S] arrays.

    ``halfdiff`` is None for a symmetric tensor.
    """

    shape: tuple[int, int, int]
    avg: np.ndarray
    halfdiff: np.ndarray | None = None
    indices: np.ndarray | None = None

    @property
    def sparse(self) -> bool:
        """True when stored as coordinates and values."""
        return self.indices is not None

    @property
    def symmetric(self) -> bool:
        """True when there is no asymmetric (half-difference) part."""
        return self.halfdiff is None

    @property
    def nnz(self) -> int:
        """Stored entries (all B·P·S for dense)."""
        return int(self.avg.size)


@dataclass
class FitInput:
    """Everything the likelihood needs; see the module docstring for the meaning of each array."""

    channels: tuple[Channel, ...]
    processes: tuple[str, ...]
    signal: np.ndarray
    nominal: np.ndarray
    sumw: np.ndarray
    sumw2: np.ndarray
    data_obs: np.ndarray
    systs: tuple[str, ...]
    constrained: np.ndarray
    weight: np.ndarray
    noi: np.ndarray
    groups: dict[str, tuple[str, ...]]
    pois: dict[str, tuple[str, ...]]
    logk: LogK
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def nbins_fit(self) -> int:
        """Bins entering the likelihood (unmasked channels)."""
        return sum(c.nbins for c in self.channels if not c.masked)

    def fit_bins(self) -> np.ndarray:
        """Indices (into the B bins) of the unmasked bins, in order."""
        out, start = [], 0
        for c in self.channels:
            if not c.masked:
                out.append(np.arange(start, start + c.nbins))
            start += c.nbins
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def bin_label(self, b: int) -> str:
        """Human-readable location of global bin ``b``: channel and bin inside it."""
        start = 0
        for c in self.channels:
            if b < start + c.nbins:
                return f"bin {b} (channel {c.name}, bin {b - start})"
            start += c.nbins
        return f"bin {b}"

    def validate(self, source: str = "fit input") -> None:
        """Check shapes, names and values; raise :class:`InputError` naming the dataset and bin."""
        nb, npr, ns = sum(c.nbins for c in self.channels), len(self.processes), len(self.systs)
        _shape(source, "nominal", self.nominal, (nb, npr))
        _shape(source, "sumw", self.sumw, (nb, npr))
        _shape(source, "sumw2", self.sumw2, (nb, npr))
        _shape(source, "data_obs", self.data_obs, (self.nbins_fit,))
        for name, arr in (("signal", self.signal), ("syst_constrained", self.constrained),
                          ("syst_weight", self.weight), ("syst_noi", self.noi)):
            _shape(source, name, arr, (npr if name == "signal" else ns,))
        for kind, names in (("process", self.processes), ("systematic", self.systs), ("channel", [c.name for c in self.channels])):
            if len(set(names)) != len(names):
                raise InputError(f"{source}: duplicate {kind} names in {list(names)}")
        if self.logk.shape != (nb, npr, ns):
            raise InputError(f"{source}: logk has shape {self.logk.shape}, expected {(nb, npr, ns)}")
        for name, arr in (("nominal", self.nominal), ("sumw2", self.sumw2)):
            _finite_nonneg(source, name, arr, self)
        fb = self.fit_bins()
        _finite_nonneg(source, "data_obs", self.data_obs[:, None], self, bins=fb)
        for part in ("avg", "halfdiff"):
            arr = getattr(self.logk, part)
            if arr is not None and not np.all(np.isfinite(arr)):
                i = int(np.flatnonzero(~np.isfinite(np.ravel(arr)))[0])
                ind = self.logk.indices  # not None exactly when sparse
                b, p, s = (ind[i] if ind is not None else np.unravel_index(i, self.logk.shape))
                raise InputError(f"{source}: logk/{part} is not finite at {self.bin_label(int(b))}, "
                                 f"process {self.processes[p]}, systematic {self.systs[s]}")
        known = set(self.systs)
        for g, members in self.groups.items():
            if not set(members) <= known:
                raise InputError(f"{source}: group {g} names unknown systematics {sorted(set(members) - known)}")
        for poi, procs in self.pois.items():
            if not set(procs) <= set(self.processes):
                raise InputError(f"{source}: POI {poi} scales unknown processes {sorted(set(procs) - set(self.processes))}")
        if np.any(self.weight[self.constrained] <= 0) or np.any(self.weight[~self.constrained] != 0):
            raise InputError(f"{source}: syst_weight must be > 0 for constrained and 0 for unconstrained systematics")


def _shape(source: str, name: str, arr: np.ndarray, shape: tuple[int, ...]) -> None:
    if tuple(np.shape(arr)) != shape:
        raise InputError(f"{source}: dataset {name} has shape {tuple(np.shape(arr))}, expected {shape}")


def _finite_nonneg(source: str, name: str, arr: np.ndarray, fi: FitInput, bins: np.ndarray | None = None) -> None:
    bad = ~np.isfinite(arr) | (arr < 0)
    if np.any(bad):
        b, p = np.argwhere(bad)[0]
        gb = int(bins[b]) if bins is not None else int(b)
        what = "NaN" if np.isnan(arr[b, p]) else ("infinite" if not np.isfinite(arr[b, p]) else f"negative ({arr[b, p]:g})")
        where = fi.bin_label(gb) + ("" if bins is not None else f", process {fi.processes[p]}")
        raise InputError(f"{source}: dataset {name} is {what} at {where} ({int(bad.sum())} bad value(s) in all)")


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(v.decode() if isinstance(v, bytes) else str(v) for v in values)


def write_fit_input(fi: FitInput, path: str | Path) -> None:
    """Validate ``fi`` and write it atomically to ``path`` in the format of the module docstring."""
    fi.validate()
    st = h5py.string_dtype()
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update(format=FORMAT, format_version=FORMAT_VERSION, provenance=json.dumps(fi.provenance, default=str))
        f.create_group("channels").attrs["spec"] = json.dumps(
            [{"name": c.name, "masked": c.masked, "axes": [{"name": n, "edges": list(e)} for n, e in c.axes]} for c in fi.channels])
        f.create_dataset("processes", data=np.array(fi.processes, dtype=object), dtype=st)
        f.create_dataset("systs", data=np.array(fi.systs, dtype=object), dtype=st)
        for name, arr in (("signal", fi.signal), ("nominal", fi.nominal), ("sumw", fi.sumw), ("sumw2", fi.sumw2),
                          ("data_obs", fi.data_obs), ("syst_constrained", fi.constrained),
                          ("syst_weight", fi.weight), ("syst_noi", fi.noi)):
            f.create_dataset(name, data=arr, compression="gzip" if np.size(arr) > 4096 else None)
        f.create_group("groups").attrs["spec"] = json.dumps({k: list(v) for k, v in fi.groups.items()})
        f.create_group("pois").attrs["spec"] = json.dumps({k: list(v) for k, v in fi.pois.items()})
        g = f.create_group("logk")
        g.attrs.update(storage="sparse" if fi.logk.sparse else "dense", symmetric=fi.logk.symmetric,
                       shape=np.array(fi.logk.shape, dtype=np.int64))
        if fi.logk.indices is not None:  # sparse
            g.create_dataset("indices", data=fi.logk.indices.astype(np.int64), compression="gzip")
        g.create_dataset("avg", data=fi.logk.avg, compression="gzip")
        if not fi.logk.symmetric:
            g.create_dataset("halfdiff", data=fi.logk.halfdiff, compression="gzip")


def read_fit_input(path: str | Path) -> FitInput:
    """Read and validate a fit input file; :class:`InputError` names what is missing or wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"fit input {path} does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise InputError(f"fit input {path} is not an HDF5 file: {exc}") from exc
    with f:
        if f.attrs.get("format") != FORMAT:
            raise InputError(f"fit input {path} is not a {FORMAT} file (format attribute {f.attrs.get('format')!r})")
        if int(f.attrs.get("format_version", -1)) != FORMAT_VERSION:
            raise InputError(f"fit input {path}: format_version {f.attrs.get('format_version')} unsupported (want {FORMAT_VERSION})")
        try:
            fi = _read(f)
        except KeyError as exc:
            raise InputError(f"fit input {path}: missing dataset or attribute ({exc})") from exc
    fi.validate(source=str(path))
    return fi


def _read(f: h5py.File) -> FitInput:
    chans = tuple(Channel(c["name"], tuple((a["name"], tuple(a["edges"])) for a in c["axes"]), bool(c["masked"]))
                  for c in json.loads(f["channels"].attrs["spec"]))
    g = f["logk"]
    dims = tuple(int(v) for v in g.attrs["shape"])
    if len(dims) != 3:
        raise InputError(f"fit input {f.filename}: logk has a shape attribute {dims}, expected (bins, processes, systematics)")
    shape = (dims[0], dims[1], dims[2])
    sym = bool(g.attrs["symmetric"])
    logk = LogK(shape=shape, avg=g["avg"][...], halfdiff=None if sym else g["halfdiff"][...],
                indices=g["indices"][...] if g.attrs["storage"] == "sparse" else None)
    return FitInput(
        channels=chans, processes=_strings(f["processes"][...]), signal=f["signal"][...].astype(bool),
        nominal=f["nominal"][...], sumw=f["sumw"][...], sumw2=f["sumw2"][...], data_obs=f["data_obs"][...],
        systs=_strings(f["systs"][...]), constrained=f["syst_constrained"][...].astype(bool),
        weight=f["syst_weight"][...], noi=f["syst_noi"][...].astype(bool),
        groups={k: tuple(v) for k, v in json.loads(f["groups"].attrs["spec"]).items()},
        pois={k: tuple(v) for k, v in json.loads(f["pois"].attrs["spec"]).items()},
        logk=logk, provenance=json.loads(f.attrs.get("provenance", "{}")),
    )
