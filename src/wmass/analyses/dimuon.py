"""The two-muon selection shared by the W-like and dilepton processors.

Exactly two veto muons of opposite charge, 60 < m_μμ < 120 GeV, trigger fired, no veto electron.
Each muon's "tight" flag: 26 < pT < pt_max, |η| < 2.4, medium ID, isolation < 0.15 (trigger
matching is kept separately: the W-like analysis requires it of the kept muon, the dilepton
analysis of at least one muon).
"""

from __future__ import annotations

import numpy as np

from wmass.analyses import selection
from wmass.analyses.inputs import MuonEvents

__all__ = ["M_LOW", "M_HIGH", "select_pair"]

M_LOW, M_HIGH = 60.0, 120.0


def select_pair(ev: MuonEvents, pt_max: float) -> dict[str, tuple[np.ndarray, np.ndarray] | np.ndarray]:
    """Per event: the two veto muons' (pt, eta, phi, charge, tight, matched, gen_pt) and ``base``/``mll``."""
    events, idx = ev.veto_index(2)
    tight = selection.selected_muon_mask(ev.pt, ev.eta, ev.medium, np.ones(ev.pt.shape, bool), pt_max)
    tight &= ev.iso < selection.ISO_MAX

    def two(arr: np.ndarray | None, fill: float) -> tuple[np.ndarray, np.ndarray]:
        slots = (np.full(ev.n, fill, dtype=np.float64), np.full(ev.n, fill, dtype=np.float64))
        if arr is not None:
            for s in (0, 1):
                slots[s][events] = arr[idx[:, s]]
        return slots

    out: dict[str, tuple[np.ndarray, np.ndarray] | np.ndarray] = {
        "pt": two(ev.pt, 0.0), "eta": two(ev.eta, 0.0), "phi": two(ev.phi, 0.0), "charge": two(ev.charge, 1.0),
        "tight": two(tight, 0.0), "matched": two(ev.matched, 0.0), "gen_pt": two(ev.gen_pt, np.nan),
    }
    pt, eta, phi, q = out["pt"], out["eta"], out["phi"], out["charge"]
    mll = selection.dimuon_mass(pt[0], eta[0], phi[0], pt[1], eta[1], phi[1])
    two_mu = np.zeros(ev.n, bool)
    two_mu[events] = True
    out["mll"] = mll
    out["base"] = two_mu & (q[0] * q[1] < 0) & (mll > M_LOW) & (mll < M_HIGH) & ev.trigger & ev.electron_veto
    return out
