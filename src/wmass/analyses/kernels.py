"""Compiled (numba) loops over flat NanoAOD arrays with event offsets, where numpy has no one-pass form.

Each kernel is a plain function of numpy arrays (offsets: ``off[i]:off[i+1]`` are the objects of
event i). Compiled once and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["fill_tensor", "match_any"]


@numba.njit(cache=True, nogil=True)
def match_any(mu_off: np.ndarray, mu_eta: np.ndarray, mu_phi: np.ndarray, obj_off: np.ndarray,
              obj_eta: np.ndarray, obj_phi: np.ndarray, obj_ok: np.ndarray, dr2: float) -> np.ndarray:
    """Per muon: True when an object of the same event with ``obj_ok`` lies within ΔR² < dr2."""
    out = np.zeros(mu_eta.shape[0], dtype=np.bool_)
    for i in range(mu_off.shape[0] - 1):
        for m in range(mu_off[i], mu_off[i + 1]):
            for t in range(obj_off[i], obj_off[i + 1]):
                if not obj_ok[t]:
                    continue
                dphi = (mu_phi[m] - obj_phi[t] + np.pi) % (2.0 * np.pi) - np.pi
                deta = mu_eta[m] - obj_eta[t]
                if deta * deta + dphi * dphi < dr2:
                    out[m] = True
                    break
    return out


@numba.njit(cache=True, nogil=True)
def fill_tensor(out: np.ndarray, cell: np.ndarray, weight: np.ndarray, factors: np.ndarray,
                add: float, unit: float) -> None:
    """out[cell[e], 0] += q(w_e); out[cell[e], j + 1] += q(w_e (add + F[e, j])), q = rounding to ``unit``.

    ``out`` is [n_cells, k + 1]; events with cell < 0 are skipped. One pass, no temporaries.
    """
    inv = 1.0 / unit
    k = factors.shape[1]
    for e in range(cell.shape[0]):
        c = cell[e]
        if c < 0:
            continue
        w = weight[e]
        out[c, 0] += np.rint(w * inv) * unit
        for j in range(k):
            out[c, j + 1] += np.rint(w * (add + factors[e, j]) * inv) * unit
