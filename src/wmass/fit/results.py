"""Fit outputs: ``result.json`` (summary) and ``cov.h5`` (matrices), with the blinding hook.

Blinding: the parameters of interest that are blinded are the nois (the W mass shifts, in units of
100 MeV). Unless ``blind=False`` (``wmass fit --unblind``), every value of them written here is
raw + offset(name), with ``offset`` a float or a callable name → float supplied by the caller
(:func:`wmass.blinding.noi_offset`); the raw value is written nowhere and never logged. Scans
are stored as offsets from the minimum, toys as pulls, so neither reveals it either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from wmass.fit.inputs import FitInput
from wmass.io import atomic_path, write_json

__all__ = ["Offset", "blinded_x", "result_document", "write_results"]

Offset = float | Callable[[str], float]


def blinded_x(fi: FitInput, names: list[str], x: np.ndarray, blind: bool, offset: Offset | None) -> tuple[np.ndarray, list[str]]:
    """x with offsets added to the nois when ``blind``; also the names of the blinded parameters."""
    if not blind:
        return np.array(x, dtype=float), []
    if offset is None:
        raise ValueError("a blinded fit needs an offset (float or callable name -> float)")
    blinded = [s for s, n in zip(fi.systs, fi.noi) if n]
    out = np.array(x, dtype=float)
    for name in blinded:
        out[names.index(name)] += offset(name) if callable(offset) else float(offset)
    return out, blinded


def _groups_table(imp: dict[str, Any] | None, tnames: list[str]) -> dict[str, dict[str, float]] | None:
    if imp is None:
        return None
    return {t: {g: float(v[k]) for g, v in imp["groups"].items()} for k, t in enumerate(tnames)}


def result_document(out: dict[str, Any], fi: FitInput, blind: bool, offset: Offset | None,
                    provenance: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a :func:`wmass.fit.driver.run_fit` output (blinded unless ``blind`` is False)."""
    names, npoi = out["names"], out["npoi"]
    xb, blinded = blinded_x(fi, names, out["x"], blind, offset)
    err = np.sqrt(np.diag(out["cov"]))
    w = np.concatenate([np.zeros(npoi), fi.weight])
    params = []
    for i, n in enumerate(names):
        kind = "poi" if i < npoi else ("noi" if fi.noi[i - npoi] else
                                       "constrained" if fi.constrained[i - npoi] else "unconstrained")
        p: dict[str, Any] = {"name": n, "kind": kind, "value": float(xb[i]), "error": float(err[i]),
                             "blinded": n in blinded}
        if w[i] > 0:
            p.update(pull=float(xb[i] * np.sqrt(w[i])), constraint=float(err[i] * np.sqrt(w[i])))
        if kind == "poi":
            p.update(mu=float(xb[i] ** 2) if out.get("poi_square", True) else float(xb[i]),
                     mu_error=float(2 * abs(xb[i]) * err[i]) if out.get("poi_square", True) else float(err[i]))
        params.append(p)
    tg = [i for i, p in enumerate(params) if p["kind"] in ("poi", "noi")]
    tnames = [names[i] for i in tg]
    corr = out["cov"][np.ix_(tg, tg)] / np.outer(err[tg], err[tg])
    doc: dict[str, Any] = {
        "provenance": provenance, "blinded": bool(blind), "blinded_parameters": blinded,
        "units": {"noi": "mass shifts in units of 100 MeV"}, "device": out.get("device"),
        "minimizer": out["minimizer"], "parameters": params,
        "targets": tnames, "correlation_targets": corr.tolist(),
        "impacts": _groups_table(out.get("impacts"), tnames),
        "global_impacts": _groups_table(out.get("global_impacts"), tnames),
        "gof": out["gof"], "timings": out["timings"],
    }
    if "asimov" in out:
        a = out["asimov"]
        doc["asimov"] = {"edm": a["edm"], "errors": {names[i]: float(np.sqrt(a["cov"][i, i])) for i in tg},
                         "impacts": _groups_table(a.get("impacts"), tnames),
                         "global_impacts": _groups_table(a.get("global_impacts"), tnames)}
    if "toys" in out:
        t = out["toys"]
        doc["toys"] = {"ntoys": t["ntoys"], "seed": t["seed"], "converged_fraction": t["converged_fraction"],
                       "pull_mean": dict(zip(t["target_names"], map(float, t["pull_mean"]))),
                       "pull_width": dict(zip(t["target_names"], map(float, t["pull_width"])))}
    if "scans" in out:
        doc["scans"] = {p: {"offset_from_minimum": s["offset"].tolist(), "two_dnll": s["two_dnll"].tolist(),
                            "sigma": s["sigma"]} for p, s in out["scans"].items()}
    return json.loads(json.dumps(doc, default=_jsonable))


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_results(out: dict[str, Any], fi: FitInput, outdir: str | Path, blind: bool = True,
                  offset: Offset | None = None, provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``outdir/result.json`` and ``outdir/cov.h5`` atomically; returns the JSON document."""
    outdir = Path(outdir)
    prov = dict(provenance or {})
    doc = result_document(out, fi, blind, offset, prov)
    xb, _ = blinded_x(fi, out["names"], out["x"], blind, offset)
    err = np.sqrt(np.diag(out["cov"]))
    st = h5py.string_dtype()
    with atomic_path(outdir / "cov.h5") as tmp, h5py.File(tmp, "w") as f:
        f.attrs.update(provenance=json.dumps(prov, default=str), blinded=bool(blind))
        f.create_dataset("names", data=np.array(out["names"], dtype=object), dtype=st)
        f.create_dataset("x", data=xb)
        f.create_dataset("cov", data=out["cov"], compression="gzip")
        f.create_dataset("correlation", data=out["cov"] / np.outer(err, err), compression="gzip")
        f.create_dataset("targets", data=np.array(doc["targets"], dtype=object), dtype=st)
        for key in ("impacts", "global_impacts"):
            if out.get(key) is not None:
                f.create_dataset(f"{key}/per_param", data=out[key]["per_param"], compression="gzip")
        if "toys" in out:
            f.create_dataset("toys/pulls", data=out["toys"]["pulls"])
    write_json(outdir / "result.json", doc)
    return doc
