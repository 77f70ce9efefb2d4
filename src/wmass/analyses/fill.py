"""Fast, order-independent histogram filling with numpy ``bincount`` into named ``hist.Hist`` objects.

Bit-for-bit reproducibility across executors and chunkings: float addition is not associative,
so every contribution is first rounded to a multiple of ``scale · 2⁻²⁶`` (``scale``, a power of
two, is the sample's typical |weight|). Sums of such numbers are exact while they stay below
``scale · 2²⁷`` (1.3·10⁸ typical events in one bin), hence independent of the order in which
events, chunks or files are added. The rounding is a relative 10⁻⁸ per event, far below any
statistical or systematic effect. Nominal histograms carry ``Weight`` storage (sum w, sum w²,
both rounded the same way); systematic ("tensor") histograms ``Double`` storage (no variances).

Tensor histograms: the base axes (e.g. η, pT, q), optional extra axes addressed per event
(e.g. the pT^V bin of the event, for variations decorrelated in pT^V) and a last axis of ``k``
entries filled from a weight matrix ``W[n, k]``. The per-event cost is ``k``, whatever the number
of nuisances the axis expands to later (the "diagonal" trick of DESIGN.md section 6).
"""

from __future__ import annotations

from collections.abc import Sequence

import hist
import numpy as np

from wmass.analyses import kernels
from wmass.histograms.binning import HistAxis

__all__ = ["QUANTUM_BITS", "axis_index", "columns_hist", "flat_index", "nominal_hist", "power_of_two", "quantise", "tensor_hist"]

QUANTUM_BITS = 26


def power_of_two(x: float) -> float:
    """The power of two nearest to |x| (1 for 0 or non-finite x): the weight scale of a sample."""
    if not np.isfinite(x) or x == 0:
        return 1.0
    return float(2.0 ** np.round(np.log2(abs(x))))


def quantise(w: np.ndarray, scale: float) -> np.ndarray:
    """Round ``w`` to a multiple of ``scale · 2⁻²⁶`` (exact, associative sums; see module docstring)."""
    unit = scale * 2.0**-QUANTUM_BITS
    return np.rint(np.asarray(w, dtype=np.float64) / unit) * unit


def axis_index(axis: HistAxis, values: np.ndarray) -> np.ndarray:
    """In-range bin index (0..size-1) of each value, or -1 outside (flow bins are never filled)."""
    idx = np.asarray(axis.index(values), dtype=np.int64)
    return np.where((idx >= 0) & (idx < axis.size), idx, -1)


def flat_index(axes: Sequence[HistAxis], values: Sequence[np.ndarray]) -> np.ndarray:
    """C-order flat bin index over ``axes`` of each event, -1 when any coordinate is out of range."""
    flat = np.zeros(len(values[0]), dtype=np.int64)
    bad = np.zeros(len(values[0]), dtype=bool)
    for axis, vals in zip(axes, values, strict=True):
        idx = axis_index(axis, vals)
        bad |= idx < 0
        flat = flat * axis.size + idx
    return np.where(bad, -1, flat)


def _sizes(axes: Sequence[HistAxis]) -> int:
    return int(np.prod([a.size for a in axes], dtype=np.int64))


def nominal_hist(
    axes: Sequence[HistAxis], index: np.ndarray, weight: np.ndarray, scale: float
) -> hist.Hist:
    """A Weight-storage histogram on ``axes`` from per-event flat ``index`` (-1: skip) and ``weight``."""
    h = hist.Hist(*axes, storage=hist.storage.Weight())
    ok = index >= 0
    w = quantise(weight[ok], scale)
    n = _sizes(axes)
    view = h.view(flow=False)
    shape = tuple(a.size for a in axes)
    view["value"] = np.bincount(index[ok], weights=w, minlength=n).reshape(shape)
    view["variance"] = np.bincount(index[ok], weights=quantise(w * w, scale * scale), minlength=n).reshape(shape)
    return h


def tensor_hist(
    base_axes: Sequence[HistAxis],
    base_index: np.ndarray,
    tensor_axes: Sequence[HistAxis],
    weight: np.ndarray,
    factors: np.ndarray,
    add: float,
    scale: float,
    extra_index: np.ndarray | None = None,
) -> hist.Hist:
    """A Double-storage histogram on base × tensor axes.

    Entry 0 of the last tensor axis is filled with ``weight`` (the nominal), entry j + 1 with
    ``weight · (add + factors[:, j])`` (``add`` = 1 for relative shifts, 0 for weight ratios).
    ``extra_index`` (per event, C-order over the tensor axes but the last) places each event's
    entries, e.g. in its own pT^V bin; -1 in ``base_index`` or ``extra_index`` skips the event.
    """
    h = hist.Hist(*base_axes, *tensor_axes, storage=hist.storage.Double())
    k = tensor_axes[-1].size
    if factors.shape[1] != k - 1:
        raise ValueError(f"tensor axis {tensor_axes[-1].name!r} has {k} entries but there are {factors.shape[1]} + 1 columns")
    n_extra = _sizes(tensor_axes[:-1])
    cell = base_index * n_extra + (extra_index if extra_index is not None else 0)
    if extra_index is not None:
        cell = np.where(extra_index < 0, -1, cell)
    cell = np.where(base_index < 0, -1, cell).astype(np.int64)
    out = np.zeros((_sizes(base_axes) * n_extra, k))
    unit = scale * 2.0**-QUANTUM_BITS
    kernels.fill_tensor(out, cell, np.ascontiguousarray(weight, dtype=np.float64),
                        np.ascontiguousarray(factors), float(add), unit)
    h.view(flow=False)[...] = out.reshape(tuple(a.size for a in (*base_axes, *tensor_axes)))
    return h


def columns_hist(
    base_axes: Sequence[HistAxis],
    indices: Sequence[np.ndarray],
    weights: Sequence[np.ndarray],
    tensor_axis: HistAxis,
    scale: float,
) -> hist.Hist:
    """A Double-storage histogram whose tensor entry j is filled at its own per-event ``indices[j]``.

    For explicit refills (shifted pT moves events between bins), one column per variation.
    """
    h = hist.Hist(*base_axes, tensor_axis, storage=hist.storage.Double())
    n = _sizes(base_axes)
    view = h.view(flow=False)
    for j, (idx, w) in enumerate(zip(indices, weights, strict=True)):
        ok = idx >= 0
        view[..., j] = np.bincount(idx[ok], weights=quantise(w[ok], scale), minlength=n).reshape(view.shape[:-1])
    return h
