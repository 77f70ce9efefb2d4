"""Read histograms from a simple HDF5 layout into a :class:`~wmass.fit.builder.FitInputBuilder` (tests, benchmarks).

The fit engine's tests and the rabbit comparison write their synthetic inputs as such files
(:func:`tests.fit.synthetic.write_hist_file`) and read them back here, so rabbit's TensorWriter and
our builder see the same histograms. Not the analysis' path: ``wmass fitinput`` builds from the
merged analysis histograms (:mod:`wmass.fitinput`).

Layout (``format="wmass-fithists"``, ``format_version=1``)::

    / attrs: format, format_version, norms = JSON [{"name", "processes", "kappa", "group"}] (optional),
             pois = JSON {poi: [process, ...]} (optional; default one POI per signal process)
    /<channel>                  attrs: axes = JSON [{"name", "edges"}], masked = bool
    /<channel>/data             counts, shape of the axes (absent for masked channels)
    /<channel>/<process>        attrs: signal = bool
        nominal                 sum of weights, shape of the axes
        sumw2                   sum of squared weights (optional: no MC statistics)
        syst                    [nsyst, *axes] mirrored variations or [nsyst, 2, *axes] (down, up),
                                attrs: names, groups, constrained, noi = JSON lists (one entry per syst)
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import hist
import numpy as np

from wmass.errors import InputError
from wmass.fit.builder import FitInputBuilder

__all__ = ["read_hist_file"]


def _hist(axes: list[dict], values: np.ndarray) -> hist.Hist:
    h = hist.Hist(*[hist.axis.Variable(a["edges"], name=a["name"]) for a in axes])
    h.view()[...] = values
    return h


def read_hist_file(path: str | Path, symmetrize: str | None = None) -> FitInputBuilder:
    """A builder filled from the file ``path`` (:class:`InputError` names what is wrong)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"histogram file {path} does not exist")
    b = FitInputBuilder()
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != "wmass-fithists":
                raise InputError(f"{path} is not a wmass-fithists file (format {f.attrs.get('format')!r})")
            for ch, g in f.items():
                axes = json.loads(g.attrs["axes"])
                b.add_channel(ch, [hist.axis.Variable(a["edges"], name=a["name"]) for a in axes], bool(g.attrs.get("masked", False)))
                if "data" in g:
                    b.add_data(ch, _hist(axes, g["data"][...]))
                for proc, pg in g.items():
                    if isinstance(pg, h5py.Group):
                        _add_process(b, ch, proc, pg, axes, symmetrize)
            for n in json.loads(f.attrs.get("norms", "[]")):
                kappa = tuple(n["kappa"]) if isinstance(n["kappa"], list) else n["kappa"]
                b.add_norm(n["name"], n["processes"], kappa, group=n.get("group"))
            for poi, procs in json.loads(f.attrs.get("pois", "{}")).items():
                b.set_poi(poi, procs)
    except (KeyError, OSError, json.JSONDecodeError) as exc:
        raise InputError(f"histogram file {path}: {exc}") from exc
    return b


def _add_process(b: FitInputBuilder, ch: str, proc: str, pg: h5py.Group, axes: list[dict], symmetrize: str | None) -> None:
    nom = pg["nominal"][...]
    b.add_process(ch, proc, _hist(axes, nom), signal=bool(pg.attrs.get("signal", False)),
                  sumw2=pg["sumw2"][...] if "sumw2" in pg else np.zeros_like(nom))
    if "syst" not in pg:
        return
    ds = pg["syst"]
    names = json.loads(ds.attrs["names"])
    groups = json.loads(ds.attrs.get("groups", json.dumps(names)))
    cons = json.loads(ds.attrs.get("constrained", json.dumps([True] * len(names))))
    noi = json.loads(ds.attrs.get("noi", json.dumps([False] * len(names))))
    arr = ds[...]
    asym = arr.ndim == nom.ndim + 2
    for i, name in enumerate(names):
        up, dn = (arr[i, 1], arr[i, 0]) if asym else (arr[i], None)
        b.add_systematic(ch, proc, name, up, dn, groups[i], bool(cons[i]), bool(noi[i]), symmetrize=symmetrize)
