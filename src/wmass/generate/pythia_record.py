"""Pythia 8 event records to plain arrays; lab and Collins-Soper kinematics as the fast generator.

The Pythia event loop is the only per-event Python code of the package: it walks each record once
and stores, for the last copy of the boson (after initial-state recoil) and its two decay
products, the four-momenta before QED final-state radiation (the decay products as produced) and
after it (the last copy reached by following the same-flavour daughter through the photon
emissions). Everything downstream is vectorised.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RECORD_COLUMNS", "collins_soper_angles", "pt_eta_phi", "read_event"]

#: Columns of one event row: boson (px, py, pz, e, m), then for each decay product k = 1, 2
#: (in Pythia's daughter order) lid_k (PDG id), pre-FSR (px, py, pz, e)_k, post-FSR (px, py, pz, e)_k,
#: then the hard process (x1, x2, id1, id2).
RECORD_COLUMNS = (
    ["v_px", "v_py", "v_pz", "v_e", "v_m"]
    + [f"{q}{k}" for k in (1, 2) for q in ("lid", "pre_px", "pre_py", "pre_pz", "pre_e", "px", "py", "pz", "e")]
    + ["x1", "x2", "id1", "id2"]
)


def _last_copy_through_fsr(event: Any, i: int) -> int:
    """Follow particle ``i`` down its chain of copies and QED emissions to its final-state copy.

    At each step the daughter with the same PDG id is taken (the radiator after a γ emission or
    a recoil copy); with several, the most energetic one.
    """
    pid = event[i].id()
    while not event[i].isFinal():
        same = [d for d in event[i].daughterList() if event[d].id() == pid]
        if not same:
            break
        i = max(same, key=lambda d: event[d].e())
    return i


def read_event(event: Any, e_beam: float, out: np.ndarray) -> None:
    """Fill ``out`` (one row of ``RECORD_COLUMNS``) from a generated Pythia event.

    Entries 3 and 4 of the record are the incoming partons of the hard process (from beams 1 and
    2, x = E/E_beam) and entry 5 the boson; its last copy (after all initial-state recoil) has
    the two decay leptons as daughters.
    """
    i_v = event[5].iBotCopyId()
    v = event[i_v]
    out[0:5] = (v.px(), v.py(), v.pz(), v.e(), v.m())
    for k, i_d in enumerate((v.daughter1(), v.daughter2())):
        pre = event[i_d]
        post = event[_last_copy_through_fsr(event, i_d)]
        base = 5 + 9 * k
        out[base : base + 9] = (
            pre.id(),
            pre.px(),
            pre.py(),
            pre.pz(),
            pre.e(),
            post.px(),
            post.py(),
            post.pz(),
            post.e(),
        )
    p1, p2 = event[3], event[4]
    out[23:27] = (p1.e() / e_beam, p2.e() / e_beam, p1.id(), p2.id())


def pt_eta_phi(px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse momentum, pseudorapidity and azimuth of three-momenta."""
    pt = np.hypot(px, py)
    eta = np.arcsinh(np.divide(pz, pt, out=np.full_like(pz, np.inf), where=pt > 0))
    return pt, eta, np.arctan2(py, px)


def _boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-momenta ``p`` [n, 4] (px, py, pz, e) by velocity ``beta`` [n, 3]."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[:, :3], axis=1)
    gamma2 = np.divide(gamma - 1.0, b2, out=np.zeros_like(b2), where=b2 > 0)
    space = p[:, :3] + (gamma2 * bp + gamma * p[:, 3])[:, None] * beta
    return np.column_stack([space, gamma * (p[:, 3] + bp)])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def collins_soper_angles(lep: np.ndarray, anti: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Collins-Soper (cosθ*, φ*) of ``lep`` in the rest frame of ``lep + anti`` (arrays [n, 4]: px, py, pz, e).

    In the boson rest frame the z axis bisects the beam directions p̂_1 and −p̂_2, the x axis is
    −(p̂_1 + p̂_2) (along the boson pT as seen from the lab), y = z × x. The z axis is flipped
    (and y with it) when the boson moves to negative p_z, the CMS convention, so that cosθ* > 0
    means the lepton follows the boson direction. For pT → 0 this gives
    cosθ* = sign(p_z^V) 2 (l⁺ ā⁻ − l⁻ ā⁺) / (m m_T), l^± = (E ± p_z)/√2.
    """
    v = lep + anti
    beta = v[:, :3] / v[:, 3:4]
    n = v.shape[0]
    beam1 = np.tile([0.0, 0.0, 1.0, 1.0], (n, 1))
    beam2 = np.tile([0.0, 0.0, -1.0, 1.0], (n, 1))
    b1 = _unit(_boost(beam1, -beta)[:, :3])
    b2 = _unit(_boost(beam2, -beta)[:, :3])
    sign = np.where(v[:, 2] >= 0.0, 1.0, -1.0)[:, None]
    z = sign * _unit(b1 - b2)
    x = -(b1 + b2)
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    # pT^V = 0: x is undefined; take the lab x axis (φ* is then the lab azimuth).
    x = np.where(x_norm > 1e-12, x / np.where(x_norm > 1e-12, x_norm, 1.0), [1.0, 0.0, 0.0])
    y = np.cross(z, x)
    l_rest = _unit(_boost(lep, -beta)[:, :3])
    cos_theta = np.sum(l_rest * z, axis=1)
    phi = np.arctan2(np.sum(l_rest * y, axis=1), np.sum(l_rest * x, axis=1))
    return np.clip(cos_theta, -1.0, 1.0), np.mod(phi, 2.0 * np.pi)
