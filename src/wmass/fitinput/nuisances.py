"""Expand a ``syst_<group>`` histogram into its nuisances: name, up/down labels and cell.

The names are those of :func:`wmass.histograms.groups.nuisance_names` (checked one by one) and the
values come from :func:`wmass.histograms.groups.variation`, so the fit input and the histogram layout
(docs/histograms.md) cannot drift apart:

* dense axis: labels ``<p>Up``/``<p>Down`` make one asymmetric nuisance; a lone label (a PDF Hessian
  member, an alternative set, ``fsrOff``) one nuisance mirrored around nominal (log κ_down = −log κ_up).
* diagonal (``<component>@eta[:charge]``): one nuisance per (component, cell), acting only in its cell.
* binned (extra axes ``ptVBin``, ``vetoEta``/``vetoCharge``, ``muEta``): one nuisance per (cell, label).

The ``mass`` group is not expanded here: its ±N MeV entries are the POI (see :mod:`.assemble`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import hist
import numpy as np

from wmass.histograms.groups import BINNED_AXES, nuisance_names, variation

__all__ = ["Nuisance", "expand", "values"]


@dataclass(frozen=True)
class Nuisance:
    """One nuisance of a systematic histogram: ``down`` None means mirrored; ``cell`` the bin of its cell axes."""

    name: str
    up: str
    down: str | None
    cell: tuple[tuple[str, int], ...] = ()


def _base(label: str) -> tuple[str, str | None]:
    """(parameter, "Up"/"Down"/None) of a label, its ``@cells`` suffix removed."""
    head = label.split("@")[0]
    for suffix in ("Up", "Down"):
        if head.endswith(suffix):
            return head[: -len(suffix)], suffix
    return head, None


def _pairs(labels: list[str]) -> list[tuple[str, str, str | None]]:
    """(parameter, up label, down label or None) in first-appearance order of the parameters."""
    found: dict[str, dict[str | None, str]] = {}
    for label in labels:
        base, side = _base(label)
        found.setdefault(base, {})[side] = label
    out: list[tuple[str, str, str | None]] = []
    for base, sides in found.items():
        if None in sides:
            out.append((base, sides[None], None))
        else:
            out.append((base, sides["Up"], sides.get("Down")))
    return out


Cell = tuple[tuple[str, int], ...]


def _iterate(group: str, h: hist.Hist) -> Iterator[tuple[str, str, str | None, Cell]]:
    """(parameter, up, down, cell) in the order of ``nuisance_names``."""
    labels = [str(x) for x in h.axes[group]][1:]
    extra = [a for a in h.axes.name if a in BINNED_AXES]
    if extra:
        for cell in itertools.product(*(range(h.axes[a].size) for a in extra)):
            for base, up, down in _pairs(labels):
                yield base, up, down, tuple(zip(extra, cell))
        return
    for base, up, down in _pairs(labels):
        cells = up.partition("@")[2]
        if not cells:
            yield base, up, down, ()
            continue
        axes = cells.split(":")
        for idx in itertools.product(*(range(h.axes[a].size) for a in axes)):
            yield base, up, down, tuple(zip(axes, idx))


def expand(group: str, h: hist.Hist, tag: str = "") -> list[Nuisance]:
    """The nuisances of the systematic histogram ``h`` of ``group`` (names as ``nuisance_names``)."""
    if group == "mass":
        raise ValueError("the mass group is the POI: it is not expanded into nuisances")
    names = nuisance_names(group, h, tag)
    items = list(_iterate(group, h))
    prefix = f"{group}{'_' + tag if tag else ''}"
    mine = [f"{prefix}_{base}" + "".join(f"_{a}{i}" for a, i in cell) for base, _, _, cell in items]
    if mine != names:
        bad = next((a, b) for a, b in itertools.zip_longest(mine, names) if a != b)
        raise RuntimeError(f"group {group}: variation {bad[0]!r} does not match nuisance_names' {bad[1]!r}")
    return [Nuisance(n, up, down, cell) for n, (_, up, down, cell) in zip(names, items)]


def values(h: hist.Hist, group: str, nuisance: Nuisance, nominal: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Up and down (None: mirrored) predictions on the base axes, via ``groups.variation``.

    ``nominal`` is the nominal prediction on the base axes (needed by binned groups whose cells do
    not hold every event, such as ``eff_veto``).
    """
    cell = dict(nuisance.cell) or None
    up = variation(h, group, nuisance.up, cell, nominal)
    down = None if nuisance.down is None else variation(h, group, nuisance.down, cell, nominal)
    return up, down
