"""Nuisance parameters of the systematic histograms: names, counts and single-variation views.

A systematic histogram is self-describing (its axes say how it expands into nuisances):

* dense: base axes × one axis named after the group; each label (Up/Down stripped) is one nuisance,
  except ``mass`` (the 21 points are the shape of one parameter, the POI).
* diagonal: labels ``"<component>@<cell axes>"`` (e.g. ``"idip_eig3@eta:charge"``): the component
  acts only inside its own cell, so it expands into one nuisance per bin of the cell axes.
  Two-muon events add per-muon entries (each muon is filled once, with its own shift):

  - ``otherEta`` (W-like; common.other_muon_hist): the base muon's entries at −1 (diagonal in the
    base cell), the other muon's at its η bin; the other muon's charge is the opposite of the base
    charge. Nuisance (component, cell) = the diagonal variation of the base muon + Σ (entry −
    nominal) of the other muon's slice of the cell.
  - ``muEta`` [× ``muCharge``] (dilepton: no muon on the base axes): labels name these axes
    (``"A@muEta"``, ``"idip_eig3@muEta:muCharge"``); nuisance (component, cell) = nominal + Σ
    (entry − nominal) over the slices of the cell (summed over the cell axes it does not name).
* binned: extra axes before the group axis (``ptVBin``; ``vetoEta``, ``vetoCharge``) placing each event
  in the cell its variation acts on: one nuisance per (extra-axes cell, label); the variation of a
  cell is nominal − h[cell, "nominal"] + h[cell, label].

The fit input applies the same rules (:func:`variation` materialises one of them).
"""

from __future__ import annotations

import itertools

import hist
import numpy as np

from wmass.histograms.binning import NOMINAL

__all__ = ["BINNED_AXES", "MUON_AXES", "OTHER_AXIS", "nuisance_names", "variation"]


def _strip(label: str) -> str:
    base = label.split("@")[0]
    for suffix in ("Up", "Down"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


#: Extra axes placing each event in the cell its variation acts on (binned groups).
BINNED_AXES = ("ptVBin", "vetoEta", "vetoCharge")
#: Per-muon axes of diagonal groups of two-muon events (see the module docstring).
OTHER_AXIS = "otherEta"
MUON_AXES = ("muEta", "muCharge")
#: Muons per event of the histograms with MUON_AXES (each is filled once per muon).
MUONS_PER_EVENT = 2


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
        cell_axes = next(lb for lb in labels if _strip(lb) == base).partition("@")[2]
        if not cell_axes:
            names.append(f"{prefix}_{base}")
            continue
        axes = cell_axes.split(":")
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
    names: list[str] = list(h.axes.name[:-1])
    if OTHER_AXIS in names:
        return _with_other(values, names, label, cell or {}, i_nom, i_var)
    if any(a in names for a in MUON_AXES):
        return _per_muon(values, names, cell or {}, i_nom, i_var, nominal)
    extra = _extra(h)
    if extra:
        n_extra = len(extra)
        base = values[..., i_nom].sum(axis=tuple(range(-n_extra, 0))) if nominal is None else nominal
        sel = tuple((cell or {})[a] for a in extra)
        return base - values[(..., *sel, i_nom)] + values[(..., *sel, i_var)]
    return _diagonal(values, names, label, cell or {}, i_nom, i_var)


def _diagonal(values: np.ndarray, names: list[str], label: str, cell: dict[str, int], i_nom: int, i_var: int) -> np.ndarray:
    """Nominal, with the component's values inside its cell of the base axes (all of them for a dense label)."""
    if "@" not in label:
        return values[..., i_var].copy()
    out = values[..., i_nom].copy()
    sel = tuple(slice(None) if name not in cell else cell[name] for name in names)
    out[sel] = values[..., i_var][sel]
    return out


def _with_other(values: np.ndarray, names: list[str], label: str, cell: dict[str, int], i_nom: int, i_var: int) -> np.ndarray:
    """W-like layout: the base muon's diagonal variation plus the other muon's entries in the cell.

    ``otherEta`` is the axis before the group axis: slice 0 holds the base muon, slice i + 1 the
    other muon in η bin i, whose charge is the opposite of the base charge, so for a charge cell q
    only base bins of charge −q receive its entries.
    """
    if names[-1] != OTHER_AXIS:
        raise ValueError(f"the {OTHER_AXIS!r} axis must precede the group axis, got axes {names}")
    base_names = names[:-1]
    out = _diagonal(values[..., 0, :], base_names, label, cell, i_nom, i_var)
    if "eta" not in cell:
        return out
    other = values[..., cell["eta"] + 1, :]
    delta = other[..., i_var] - other[..., i_nom]
    if "charge" in cell:
        q = base_names.index("charge")
        keep = np.zeros(delta.shape[q], dtype=bool)
        keep[delta.shape[q] - 1 - cell["charge"]] = True
        delta = delta * keep.reshape([-1 if i == q else 1 for i in range(delta.ndim)])
    return out + delta


def _per_muon(values: np.ndarray, names: list[str], cell: dict[str, int], i_nom: int, i_var: int,
              nominal: np.ndarray | None) -> np.ndarray:
    """Dilepton layout: nominal + Σ (entry − nominal) over the muon-axes slices of the cell.

    The muon axes are the last ones before the group axis.
    """
    k = sum(1 for name in names if name in MUON_AXES)
    if any(name not in MUON_AXES for name in names[-k:]):
        raise ValueError(f"the axes {MUON_AXES} must precede the group axis, got axes {names}")
    if nominal is None:  # every event is filled once per muon
        nominal = values[..., i_nom].sum(axis=tuple(range(-k, 0))) / MUONS_PER_EVENT
    sel = tuple(cell[name] if name in cell else slice(None) for name in names[-k:])
    delta = values[(..., *sel, i_var)] - values[(..., *sel, i_nom)]
    rest = sum(1 for name in names[-k:] if name not in cell)  # the unselected muon axes, trailing
    return nominal + (delta.sum(axis=tuple(range(-rest, 0))) if rest else delta)
