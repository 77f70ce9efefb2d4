"""Nuisance parameters of the systematic histograms: names, counts and single-variation views.

A systematic histogram is self-describing (its axes say how it expands into nuisances):

* dense: base axes × one axis named after the group; each label (Up/Down stripped) is one nuisance,
  except ``mass`` (the 21 points are the shape of one parameter, the POI).
* diagonal: labels ``"<component>@<cell axes>"`` (e.g. ``"idip_eig3@eta:charge"``): the component
  acts only inside its own cell, so it expands into one nuisance per bin of the cell axes.
* binned: extra axes before the group axis (``ptVBin``; ``vetoEta``, ``vetoCharge``; ``muEta``) placing each event
  in the cell its variation acts on: one nuisance per (extra-axes cell, label); the variation of a
  cell is nominal − h[cell, "nominal"] + h[cell, label].

The fit input applies the same rules (:func:`variation` materialises one of them).
"""

from __future__ import annotations

import itertools

import hist
import numpy as np

from wmass.analyses.binning import NOMINAL

__all__ = ["nuisance_names", "variation"]


def _strip(label: str) -> str:
    base = label.split("@")[0]
    for suffix in ("Up", "Down"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


#: Extra axes placing each event in the cell its variation acts on (binned groups).
BINNED_AXES = ("ptVBin", "vetoEta", "vetoCharge", "muEta")


def _extra(h: hist.Hist) -> list[str]:
    return [name for name in h.axes.name if name in BINNED_AXES]


def nuisance_names(group: str, h: hist.Hist, tag: str = "") -> list[str]:
    """Names of the nuisances that the systematic histogram ``h`` of ``group`` expands into."""
    labels = [str(x) for x in h.axes[group]][1:]
    prefix = f"{group}{'_' + tag if tag else ''}"
    if group == "mass":
        return [prefix]
    extra = _extra(h)
    if extra:
        bases = list(dict.fromkeys(_strip(lb) for lb in labels))
        cells = itertools.product(*(range(h.axes[a].size) for a in extra))
        return [f"{prefix}_{b}_" + "_".join(f"{a}{i}" for a, i in zip(extra, c)) for c in cells for b in bases]
    names: list[str] = []
    for base in dict.fromkeys(_strip(lb) for lb in labels):
        cells = next(lb for lb in labels if _strip(lb) == base).partition("@")[2]
        if not cells:
            names.append(f"{prefix}_{base}")
            continue
        axes = cells.split(":")
        for idx in itertools.product(*(range(h.axes[a].size) for a in axes)):
            names.append(f"{prefix}_{base}_" + "_".join(f"{a}{i}" for a, i in zip(axes, idx)))
    return names


def variation(
    h: hist.Hist, group: str, label: str, cell: dict[str, int] | None = None, nominal: np.ndarray | None = None
) -> np.ndarray:
    """The full base-axes prediction of one nuisance (values, no flow): nominal with the variation applied.

    ``cell`` selects the bin of each cell axis: (η[, charge]) of a diagonal component, or the extra
    axes (``ptVBin``; ``vetoEta``, ``vetoCharge``) of a binned group. ``nominal`` (the nominal values
    on the base axes) is needed for binned groups whose cells do not hold every event (``eff_veto``:
    only events with a lost muon); otherwise the sum over the cells is the nominal.
    """
    values = h.view(flow=False)
    axis = h.axes[group]
    i_nom, i_var = axis.index(NOMINAL), axis.index(label)
    extra = _extra(h)
    if extra:
        n_extra = len(extra)
        base = values[..., i_nom].sum(axis=tuple(range(-n_extra, 0))) if nominal is None else nominal
        sel = tuple((cell or {})[a] for a in extra)
        return base - values[(..., *sel, i_nom)] + values[(..., *sel, i_var)]
    nominal = values[..., i_nom].copy()
    if "@" not in label:
        return values[..., i_var].copy()
    sel = tuple(slice(None) if name not in (cell or {}) else cell[name] for name in h.axes.name[:-1])
    nominal[sel] = values[..., i_var][sel]
    return nominal
