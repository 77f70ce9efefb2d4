"""Theory variations from the generator's per-event weight arrays (relative to genWeight).

Each group reads one NanoAOD weight-array branch (name from ``histogram.weight_branches``): mass
(21 points, −100…+100 MeV in 10 MeV steps, a shape for the mass POI), width (Up, Down), PDF
Hessian eigenvectors (one column each, symmetric), alternative PDF sets (one column each), pT^V
parameters and QED FSR (Up/Down pairs or single columns) and the angular coefficients A_i
(Up/Down pairs), the last decorrelated in bins of the generator pT^V (``GenV_pt``). Columns of
groups listed in :data:`PAIRED` come as (Up, Down) pairs. A V-boson simulation sample without a
switched-on group's branch is an error (the file and branch are named), never a silent skip.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from wmass.errors import InputError

__all__ = ["PAIRED", "genv_pt", "labels", "ptv_bin", "weight_array"]

#: Groups whose weight columns are (Up, Down) pairs.
PAIRED = frozenset({"width", "ptv", "angular", "qed_fsr"})
MASS_STEP_MEV = 10


def weight_array(events: ak.Array, branch: str, group: str, filename: str) -> np.ndarray:
    """[n, k] weights (stored precision) of ``branch`` (a NanoAOD n<branch>-counted array or a flat branch)."""
    if branch not in events.fields:
        raise InputError(f"{filename}: weight branch {branch!r} of the {group!r} systematic group is missing")
    arr = events[branch]
    if arr.ndim == 1:
        return ak.to_numpy(arr)[:, None]
    counts = ak.to_numpy(ak.num(arr))
    if len(counts) and not np.all(counts == counts[0]):
        raise InputError(f"{filename}: weight branch {branch!r} has a varying number of entries per event")
    k = int(counts[0]) if len(counts) else 0
    return ak.to_numpy(ak.flatten(arr)).reshape(len(counts), k)


def labels(group: str, k: int, given: tuple[str, ...] | None = None) -> list[str]:
    """Axis labels of the k columns of ``group`` (without "nominal"): the generator's (sidecar) when given."""
    if given is not None and len(given) == k and len(set(given)) == k and "nominal" not in given:
        return list(given)
    if group == "mass" and k % 2 == 1:
        half = k // 2
        return [f"massShift{(i - half) * MASS_STEP_MEV:+d}MeV" for i in range(k)]
    if group in PAIRED and k % 2 == 0:
        return [f"{group}{i // 2}{'Up' if i % 2 == 0 else 'Down'}" for i in range(k)]
    return [f"{group}{i}" for i in range(k)]


def ptv_bin(ptv: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Index of the pT^V bin of each event (values beyond the last edge go to the last bin)."""
    idx = np.searchsorted(np.asarray(edges), ptv, side="right") - 1
    return np.clip(idx, 0, len(edges) - 2)


def genv_pt(events: ak.Array, filename: str) -> np.ndarray:
    """Generator boson pT (``GenV_pt``), needed to decorrelate the angular coefficients in pT^V."""
    if "GenV" not in events.fields or "pt" not in ak.fields(events.GenV):
        raise InputError(f"{filename}: branch 'GenV_pt' is missing (pT^V bins of the 'angular' systematic group)")
    return ak.to_numpy(events.GenV["pt"]).astype(np.float64)
