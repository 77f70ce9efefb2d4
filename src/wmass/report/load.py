"""Read what the report shows: each fit's result.json, cov.h5, yields.h5, input.h5 and the gate files.

Blinding is enforced here, once: the value (and pull, signal strength) of every blinded parameter
and of every noi is removed from the loaded result.json, and the fitted ``x`` of cov.h5 is never
read. A noi's value reaches the report only from its stage's ``unblinded.json``, or, for a fit the
registry declares unblinded (no stage), from its result.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from wmass.blinding import stage_of_fit
from wmass.registry import STAGES

__all__ = ["FitData", "Gate", "load_fit", "load_gates"]


@dataclass
class Gate:
    """A stage's gate: its gate.json (None when the gate never ran) and unblinded.json (None unless open)."""

    stage: str
    fits: tuple[str, ...]
    gate: dict[str, Any] | None
    unblinded: dict[str, Any] | None

    @property
    def status(self) -> str:
        """"open", "refused" or "not run"."""
        return "not run" if self.gate is None else str(self.gate.get("status", "unknown"))


@dataclass
class FitData:
    """One fit as the report sees it; ``present`` is False when its result.json is missing."""

    name: str
    path: Path
    present: bool = False
    result: dict[str, Any] = field(default_factory=dict)      # result.json without hidden values
    hidden: set[str] = field(default_factory=set)              # parameters whose value is never shown
    #: noi -> shift/error/mass (MeV); the mass is None for a fit unblinded by declaration (no reference mass)
    unblinded: dict[str, dict[str, float | None]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)            # parameter names (cov.h5 order)
    correlation: dict[str, np.ndarray] = field(default_factory=dict)  # target -> its correlation row
    impacts: dict[str, np.ndarray] = field(default_factory=dict)      # target -> nominal impact per parameter
    yields: dict[str, Any] | None = None
    channels: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)        # the fit input's metadata (provenance attr)

    @property
    def units_mev(self) -> float:
        """MeV per unit of the mass noi (100 for massShift)."""
        return float((self.meta.get("mass_poi") or {}).get("units_mev", 100.0))

    @property
    def lumi_pb(self) -> float | None:
        """Integrated luminosity of the data (pb⁻¹), when the fit input records it."""
        v = self.meta.get("lumi_pb")
        return None if v is None else float(v)

    def targets(self) -> list[str]:
        """The POIs and nois (impact targets)."""
        return list(self.result.get("targets", []))

    def parameters(self) -> list[dict[str, Any]]:
        """result.json's parameters (values of hidden ones removed)."""
        return list(self.result.get("parameters", []))


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def load_gates(unblind_dir: str | Path) -> dict[str, Gate]:
    """The gate of every stage, in unblinding order."""
    base = Path(unblind_dir)
    return {st.name: Gate(st.name, st.fits, _json(base / st.name / "gate.json"),
                          _json(base / st.name / "unblinded.json")) for st in STAGES}


def _scrub(doc: dict[str, Any], blinded: bool = True) -> tuple[dict[str, Any], set[str]]:
    """result.json without the values of blinded parameters and (for a blinded fit) of its nois."""
    hidden = {p["name"] for p in doc.get("parameters", [])
              if p.get("blinded") or (blinded and p.get("kind") == "noi")}
    hidden |= set(doc.get("blinded_parameters", []))
    params = []
    for p in doc.get("parameters", []):
        if p["name"] in hidden:
            p = {k: v for k, v in p.items() if k not in ("value", "pull", "mu", "mu_error")}
        params.append(p)
    return {**doc, "parameters": params}, hidden


def _read_yields(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    with h5py.File(path, "r") as f:
        y: dict[str, Any] = {k: f[k][...] for k in ("prefit", "postfit", "prefit_total_err", "postfit_total_err",
                                                    "data", "fit_bins")}
        y["processes"] = [s.decode() if isinstance(s, bytes) else str(s) for s in f["processes"][...]]
        y["channels"] = json.loads(f["channels"].attrs["spec"])
        proj: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = {}
        if "projections" in f:
            for chan, g in f["projections"].items():
                for _, h in g.items():
                    proj[(chan, tuple(json.loads(h.attrs["axes"])))] = (h["prefit_err"][...], h["postfit_err"][...])
        y["projections"] = proj
    return y


def load_fit(fit_dir: str | Path, name: str, gates: dict[str, Gate]) -> FitData:
    """Load fit ``name`` from ``fit_dir/name``; a missing result.json gives ``present=False``."""
    path = Path(fit_dir) / name
    fd = FitData(name=name, path=path)
    if (path / "input.h5").is_file():
        with h5py.File(path / "input.h5", "r") as f:
            fd.meta = json.loads(f.attrs.get("provenance", "{}"))
            fd.channels = json.loads(f["channels"].attrs["spec"])
            fd.groups = {k: list(v) for k, v in json.loads(f["groups"].attrs["spec"]).items()}
    doc = _json(path / "result.json")
    if doc is None:
        return fd
    fd.present = True
    stage = stage_of_fit(name)
    fd.result, fd.hidden = _scrub(doc, blinded=stage is not None)
    gate = gates.get(stage or "")
    if gate is not None and gate.unblinded is not None:
        fd.unblinded = dict((gate.unblinded.get("results") or {}).get(name, {}))
    elif stage is None:  # unblinded by declaration: the fitted values as they are
        fd.unblinded = {p["name"]: {"shift_mev": p["value"] * fd.units_mev, "error_mev": p["error"] * fd.units_mev,
                                    "mass_mev": None}
                        for p in fd.parameters() if p.get("kind") == "noi" and "value" in p}
    if (path / "cov.h5").is_file():
        with h5py.File(path / "cov.h5", "r") as f:  # never read f["x"]: it holds the blinded values
            fd.names = [s.decode() if isinstance(s, bytes) else str(s) for s in f["names"][...]]
            pos = {n: i for i, n in enumerate(fd.names)}
            for t in fd.targets():
                if t in pos:
                    fd.correlation[t] = f["correlation"][pos[t]]
            if "impacts/per_param" in f:
                pp = f["impacts/per_param"][...]
                if pp.shape[0] != len(fd.targets()):  # tolerate [nparams, ntargets]
                    pp = pp.T
                fd.impacts = {t: pp[k] for k, t in enumerate(fd.targets())}
    fd.yields = _read_yields(path / "yields.h5")
    if fd.yields is not None and not fd.channels:
        fd.channels = fd.yields["channels"]
    return fd
