"""Electrons for the electron veto: fakes from the hadronic activity and, for ``rare``, real ones.

Fake electrons (jets, photon conversions) per event ~ Poisson(λ), λ = f0 + f_pu nPU + f_u u/10 GeV
(u: true recoil), with pT = 5 GeV + Exp(mean), |η| < 2.5 uniform, and a cut-based ID level drawn
from ``fake_id_probs`` (0 fail, 1 veto, 2 loose, 3 medium, 4 tight). Processes with a second W
(``rare``, top/diboson-like) get a real prompt electron with probability ``real_prob``, with a
harder spectrum and ``real_id_probs``. Electrons are carved out of the hadronic recoil, so they do
not change pT^miss. Returned as flat arrays sorted by event and descending pT (NanoAOD order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

__all__ = ["ElectronParams", "draw_electrons", "draw_id"]


@dataclass(frozen=True)
class ElectronParams:
    """Fake rate λ = f0 + f_pu nPU + f_u u/10 GeV, pT spectra (GeV) and ID-level probabilities (module docstring)."""

    fake_rate0: float
    fake_rate_pu: float
    fake_rate_recoil: float
    fake_pt_mean: float
    fake_id_probs: tuple[float, ...]
    real_prob: float  #: probability of a real electron, for ``rare`` only
    real_pt_min: float
    real_pt_mean: float
    real_id_probs: tuple[float, ...]

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> ElectronParams:
        """From the ``detector.electrons`` config block."""
        return cls(
            fake_rate0=float(block["fake_rate0"]), fake_rate_pu=float(block["fake_rate_pu"]),
            fake_rate_recoil=float(block["fake_rate_recoil"]), fake_pt_mean=float(block["fake_pt_mean"]),
            fake_id_probs=tuple(float(x) for x in block["fake_id_probs"]), real_prob=float(block["real_prob"]),
            real_pt_min=float(block["real_pt_min"]), real_pt_mean=float(block["real_pt_mean"]),
            real_id_probs=tuple(float(x) for x in block["real_id_probs"]),
        )


def draw_id(probs: Sequence[float], u: np.ndarray) -> np.ndarray:
    """Cut-based ID level 0..4 from uniform draws ``u`` and the level probabilities."""
    cdf = np.cumsum(probs) / np.sum(probs)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(probs) - 1).astype(np.int32)


def draw_electrons(
    n_pu: np.ndarray,
    recoil_pt: np.ndarray,
    real_prob: float,
    p: ElectronParams,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Flat electron arrays with ``event_index`` (int64) and ``counts`` (per event, int64).

    ``real_prob``: the probability of a real electron in this process (``p.real_prob`` for ``rare``, else 0).
    """
    n: int = n_pu.shape[0]
    lam = p.fake_rate0 + p.fake_rate_pu * n_pu + p.fake_rate_recoil * recoil_pt / 10.0
    n_fake = rng.poisson(lam)
    n_real = (rng.random(n) < real_prob).astype(np.int64)
    counts = n_fake + n_real
    ev = np.repeat(np.arange(n), counts)
    first = np.zeros(ev.shape[0], bool)
    first[np.cumsum(counts)[counts > 0] - counts[counts > 0]] = True
    real = first & (n_real[ev] > 0)
    m = ev.shape[0]
    pt = np.where(real, p.real_pt_min + rng.exponential(p.real_pt_mean, m),
                  5.0 + rng.exponential(p.fake_pt_mean, m))
    u = rng.random(m)
    out = {
        "event_index": ev,
        "pt": pt,
        "eta": rng.uniform(-2.5, 2.5, m),
        "phi": rng.uniform(-np.pi, np.pi, m),
        "charge": np.where(rng.random(m) < 0.5, -1, 1).astype(np.int32),
        "cut_based": np.where(real, draw_id(p.real_id_probs, u), draw_id(p.fake_id_probs, u)),
        "dxy": rng.normal(0.0, 0.005, m) * np.where(real, 1.0, 4.0),
        "dz": rng.normal(0.0, 0.01, m) * np.where(real, 1.0, 4.0),
        "real": real,
    }
    order = _descending_pt_within_events(counts, pt)
    return {**{key: val[order] for key, val in out.items()}, "counts": counts}


@numba.njit(cache=True, nogil=True)
def _descending_pt_within_events(counts: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """Permutation of objects grouped by event (``counts`` per event, in order) that sorts each event's
    objects by descending pT, stably (= np.lexsort((-pt, event))): insertion sort of the few per event."""
    order = np.arange(pt.shape[0])
    start = 0
    for c in counts:
        for i in range(start + 1, start + c):
            key, j = order[i], i - 1
            while j >= start and pt[order[j]] < pt[key]:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = key
        start += c
    return order
