"""Triggers: the single-muon IsoMu24 and IsoTkMu24 and the (prescaled) J/ψ dimuon trigger.

Online pT = offline pT (1 + σ_online z): a sharp online threshold at 24 GeV then gives the
IsoMu24 turn-on in offline pT. A muon fires IsoMu24 when it is a global muon, its online pT > 24,
its isolation passes the looser online cut, and a uniform draw is below the plateau efficiency of
the ``trigger`` step (L1 + HLT); ``HLT_IsoTkMu24`` (the 2016 tracker-muon path, OR-ed with IsoMu24 by
the analysis) fires on the same decision for any muon with a track. ``HLT_Dimuon0_Jpsi`` needs exactly two opposite-charge global muons
with online pT above the leg threshold, each passing the same plateau efficiency, and an online
dimuon mass in the J/ψ window. Muons are flat arrays with the index of their event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TriggerParams", "iso_mu_fires", "jpsi_dimuon_fires", "pair_mass"]


@dataclass(frozen=True)
class TriggerParams:
    """Online thresholds (GeV), online pT resolution, online isolation cut and the J/ψ mass window (GeV)."""

    threshold: float  #: IsoMu24 online pT threshold
    online_resolution: float  #: σ_online of pT_online = pT (1 + σ_online z)
    iso_max: float  #: online relative isolation cut
    jpsi_threshold: float  #: online pT of each J/ψ leg
    jpsi_window: tuple[float, float]  #: online dimuon mass window
    jpsi_data_fraction: float  #: share of the pseudo-data recorded by the J/ψ trigger (an effective prescale)

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> TriggerParams:
        """From the ``detector.trigger`` config block."""
        lo, hi = block["jpsi_window"]
        return cls(threshold=float(block["threshold"]), online_resolution=float(block["online_resolution"]),
                   iso_max=float(block["iso_max"]), jpsi_threshold=float(block["jpsi_threshold"]),
                   jpsi_window=(float(lo), float(hi)), jpsi_data_fraction=float(block["jpsi_data_fraction"]))


def iso_mu_fires(
    pt_online: np.ndarray,
    rel_iso: np.ndarray,
    is_global: np.ndarray,
    plateau_pass: np.ndarray,
    threshold: float,
    iso_max: float,
) -> np.ndarray:
    """Per-muon IsoMu24 decision (arrays of one shape)."""
    return is_global & plateau_pass & (pt_online > threshold) & (rel_iso < iso_max)


def pair_mass(
    event_index: np.ndarray, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mass: float, n_events: int
) -> np.ndarray:
    """Invariant mass (GeV) of the sum of the given muons of each event (flat arrays + event index)."""
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    tot = [np.bincount(event_index, weights=v, minlength=n_events) for v in (e, px, py, pz)]
    return np.sqrt(np.maximum(tot[0] ** 2 - tot[1] ** 2 - tot[2] ** 2 - tot[3] ** 2, 0.0))


def jpsi_dimuon_fires(
    event_index: np.ndarray,
    pt_online: np.ndarray,
    eta: np.ndarray,
    phi: np.ndarray,
    charge: np.ndarray,
    is_global: np.ndarray,
    plateau_pass: np.ndarray,
    threshold: float,
    window: tuple[float, float],
    mass: float,
    n_events: int,
) -> np.ndarray:
    """Per-event J/ψ dimuon trigger decision from flat muon arrays."""
    legs = is_global & plateau_pass & (pt_online > threshold)
    n_legs = np.bincount(event_index[legs], minlength=n_events)
    q_sum = np.bincount(event_index[legs], weights=charge[legs], minlength=n_events)
    pair = (n_legs == 2) & (q_sum == 0)
    legs &= pair[event_index]
    m = pair_mass(event_index[legs], pt_online[legs], eta[legs], phi[legs], mass, n_events)
    return pair & (m > window[0]) & (m < window[1])
