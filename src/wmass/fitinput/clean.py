"""Pathological inputs of tiny simulated samples, handled before the fit (:func:`prepare`).

* **Empty bins.** A fit bin whose total simulated prediction is zero gives ν_b = 0 for every parameter
  value (log-normal and POI factors multiply ν⁰), so a data event there makes the Poisson NLL
  −n ln ν infinite everywhere (rabbit's too; :mod:`wmass.fit.model` refuses such inputs). As CMS
  does, the prediction is made non-zero, here in a way that keeps its meaning: with ``empty_bins:
  one_event`` (default) every unmasked bin with zero total prediction gets, in the process with the
  largest total yield of the channel (weight of one simulated event w = Σ_b sumw2 / Σ_b sumw, its mean
  event weight at the data luminosity), the yield ε = f·w with MC statistics sumw = ε, sumw2 = ε·w,
  f = :data:`EMPTY_BIN_FRACTION` = 10⁻³. Barlow-Beeston lite then reads the bin as k = ε/w = f ≈ 0
  simulated events of weight w: its β term −k ln β + kβ tends to the Poisson probability e^{−μ} of
  seeing no simulated event when μ = ν/w are expected, which is exactly the Barlow-Beeston likelihood
  of an empty simulated bin. A data event there costs Δχ² ≈ 2 ln((1 + w)/w) instead of infinity, the
  prediction changes by 10⁻³ of one event per empty bin, and no systematic acts on it (log κ = 0).
  The floor goes into every empty bin, with or without data, so that the prediction does not depend
  on the data. ``empty_bins: refuse`` raises an InputError naming the bins with data instead.
* **Inert nuisances.** A nuisance whose log κ is zero in every bin where its process has a yield
  (e.g. an efficiency eigenvector of a cell without simulated events) is dropped when constrained (its
  pull would be 0 ± 1 by construction; it only inflates the Hessian), and refused when unconstrained
  (the NLL would be flat along it). The dropped names are stored in the metadata.

log κ = ln(10⁻³) where a variation flips the sign of (or zeroes) a yield is rabbit's TensorWriter
convention and kept as is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wmass.errors import InputError
from wmass.fit.inputs import FitInput, LogK

__all__ = ["EMPTY_BINS", "EMPTY_BIN_FRACTION", "drop_inert_nuisances", "floor_empty_bins", "prepare"]

#: Choices of ``fitinput.empty_bins``.
EMPTY_BINS = ("one_event", "refuse")
#: Floor of an empty bin, in units of the weight of one simulated event (its MC-stat count k).
EMPTY_BIN_FRACTION = 1e-3


def _channel_ranges(fi: FitInput) -> list[tuple[int, int, bool, str]]:
    out, start = [], 0
    for c in fi.channels:
        out.append((start, start + c.nbins, c.masked, c.name))
        start += c.nbins
    return out


def floor_empty_bins(fi: FitInput, mode: str = "one_event") -> dict[str, Any]:
    """Give every unmasked bin with zero total prediction the yield ε = f·w with sumw2 = ε·w (in place;
    w the weight of one simulated event of the channel's largest process, f = EMPTY_BIN_FRACTION).

    Returns a summary for the metadata: per channel the process used, w (``event_weight``), ε
    (``yield``), the number of floored bins and how many of them have data. ``mode = "refuse"`` raises :class:`InputError` for data in an
    empty bin instead (and changes nothing).
    """
    if mode not in EMPTY_BINS:
        raise ValueError(f"empty_bins must be one of {EMPTY_BINS}, not {mode!r}")
    nom = np.maximum(fi.nominal, 0.0)
    data = np.zeros(nom.shape[0])
    data[fi.fit_bins()] = fi.data_obs
    summary: dict[str, Any] = {}
    for lo, hi, masked, name in _channel_ranges(fi):
        if masked:
            continue
        empty = lo + np.flatnonzero(nom[lo:hi].sum(axis=1) <= 0)
        if not len(empty):
            continue
        with_data = empty[data[empty] > 0]
        if mode == "refuse":
            if len(with_data):
                where = "; ".join(f"{fi.bin_label(int(b))}: {data[b]:g}" for b in with_data[:5])
                raise InputError(f"channel {name}: {len(with_data)} bin(s) with data but no simulated prediction "
                                 f"({where}); set fitinput.empty_bins: one_event to floor them")
            continue
        p = int(np.argmax(nom[lo:hi].sum(axis=0)))
        sw, sw2 = fi.sumw[lo:hi, p].sum(), fi.sumw2[lo:hi, p].sum()
        w = float(sw2 / sw) if sw > 0 and sw2 > 0 else float(nom[lo:hi, p].sum() / max(np.count_nonzero(nom[lo:hi, p]), 1))
        eps = EMPTY_BIN_FRACTION * w
        fi.nominal[empty, p] = eps
        fi.sumw[empty, p] = eps
        fi.sumw2[empty, p] = eps * w
        summary[name] = {"process": fi.processes[p], "event_weight": w, "yield": eps, "bins": int(len(empty)),
                         "bins_with_data": int(len(with_data))}
    return summary


def _effect(fi: FitInput) -> np.ndarray:
    """[S] bool: the systematic has a non-zero log κ in some (bin, process) with a positive yield."""
    lk, ns = fi.logk, len(fi.systs)
    pos = fi.nominal > 0
    if lk.indices is not None:  # sparse
        nz = lk.avg != 0 if lk.halfdiff is None else (lk.avg != 0) | (lk.halfdiff != 0)
        nz &= pos[lk.indices[:, 0], lk.indices[:, 1]]
        return np.bincount(lk.indices[nz, 2], minlength=ns) > 0
    nz = lk.avg != 0 if lk.halfdiff is None else (lk.avg != 0) | (lk.halfdiff != 0)
    return np.any(nz & pos[:, :, None], axis=(0, 1))


def drop_inert_nuisances(fi: FitInput) -> list[str]:
    """Remove constrained systematics without any effect (in place); InputError for unconstrained ones.

    Returns the dropped names.
    """
    effect = _effect(fi)
    flat = [s for s, c, e in zip(fi.systs, fi.constrained, effect) if not c and not e]
    if flat:
        raise InputError(f"unconstrained nuisance(s) without any effect on the prediction: {', '.join(flat[:10])}"
                         " (the fit could not determine them)")
    if effect.all():
        return []
    keep = np.flatnonzero(effect)
    new_index = -np.ones(len(fi.systs), dtype=np.int64)
    new_index[keep] = np.arange(len(keep))
    dropped = [fi.systs[i] for i in np.flatnonzero(~effect)]
    lk = fi.logk
    if lk.indices is not None:  # sparse
        m = effect[lk.indices[:, 2]]
        ind = lk.indices[m].copy()
        ind[:, 2] = new_index[ind[:, 2]]
        fi.logk = LogK((lk.shape[0], lk.shape[1], len(keep)), lk.avg[m], None if lk.halfdiff is None else lk.halfdiff[m], ind)
    else:
        fi.logk = LogK((lk.shape[0], lk.shape[1], len(keep)), lk.avg[:, :, keep],
                       None if lk.halfdiff is None else lk.halfdiff[:, :, keep])
    gone = set(dropped)
    fi.systs = tuple(fi.systs[i] for i in keep)
    fi.constrained, fi.weight, fi.noi = fi.constrained[keep], fi.weight[keep], fi.noi[keep]
    fi.groups = {g: tuple(s for s in m if s not in gone) for g, m in fi.groups.items()}
    fi.groups = {g: m for g, m in fi.groups.items() if m}
    return dropped


def prepare(fi: FitInput, empty_bins: str = "one_event") -> dict[str, Any]:
    """Floor the empty bins, then drop the inert nuisances; returns the metadata entries."""
    floors = floor_empty_bins(fi, empty_bins)
    dropped = drop_inert_nuisances(fi)
    return {"empty_bin_floor": floors, "dropped_nuisances": dropped}
