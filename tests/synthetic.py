"""Synthetic truth records (plain numpy two-body decays) for detector and writer tests.

Independent of the physics generator: a boson of mass m (Breit-Wigner), pT ~ Exp, y ~ Gaussian,
decays isotropically to two massless leptons, boosted to the lab. Good enough to test the detector.
"""

from __future__ import annotations

import numpy as np

from wmass.truth import TruthEvents

__all__ = ["SYNTHETIC_XSEC_PB", "make_truth", "synthetic_cross_section", "synthetic_generate_truth"]

#: Made-up cross sections (pb) of the synthetic processes, for the stage tests.
SYNTHETIC_XSEC_PB = {"wplus": 11000.0, "wminus": 8500.0, "zmumu": 2000.0, "wtaunu": 3500.0, "ztautau": 700.0,
                     "rare": 100.0, "qcd": 3000.0, "jpsi": 50000.0}
_LIKE = {"wtaunu": "wplus", "ztautau": "zmumu", "rare": "wminus"}

_PDG = {"wplus": (24, 80.37, 2.09), "wminus": (-24, 80.37, 2.09), "zmumu": (23, 91.1876, 2.4952),
        "jpsi": (443, 3.0969, 1e-4), "qcd": (0, 20.0, 5.0)}


def _decay(m, pt, y, phi, rng):
    """Lab four-momenta (px, py, pz, E) of the two daughters of an isotropic two-body decay."""
    n = m.shape[0]
    cos_t, phi_d = rng.uniform(-1, 1, n), rng.uniform(-np.pi, np.pi, n)
    sin_t = np.sqrt(1 - cos_t**2)
    p = m / 2
    d = np.stack([p * sin_t * np.cos(phi_d), p * sin_t * np.sin(phi_d), p * cos_t, p], 1)
    mt = np.sqrt(m**2 + pt**2)
    P = np.stack([pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y), mt * np.cosh(y)], 1)
    beta = P[:, :3] / P[:, 3:4]
    b2 = (beta**2).sum(1)
    gamma = 1 / np.sqrt(1 - b2)
    out = []
    for sign in (1, -1):
        q = d.copy()
        q[:, :3] *= sign
        bp = (beta * q[:, :3]).sum(1)
        g2 = np.where(b2 > 0, (gamma - 1) / np.where(b2 > 0, b2, 1), 0)
        vec = q[:, :3] + (g2 * bp + gamma * q[:, 3])[:, None] * beta
        out.append(np.column_stack([vec, gamma * (q[:, 3] + bp)]))
    return out


def make_truth(process: str, n: int, seed: int | np.random.Generator = 1, first_event: int = 0) -> TruthEvents:
    """A synthetic truth record of ``n`` events of ``process`` (τ and rare processes mimic W/Z kinematics)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    process = _LIKE.get(process, process)
    pdg, m0, w = _PDG[process]
    m = m0 + w / 2 * np.tan(np.pi * rng.uniform(-0.45, 0.45, n))
    pt_v = rng.exponential(3.0 if process == "jpsi" else 8.0, n) + (5.0 if process == "jpsi" else 0.0)
    y_v = rng.normal(0, 1.5, n)
    phi_v = rng.uniform(-np.pi, np.pi, n)
    a, b = _decay(m, pt_v, y_v, phi_v, rng)
    two = process in ("zmumu", "jpsi")
    lep = np.stack([a, b], 1)  # [n, 2, 4]
    pt = np.hypot(lep[..., 0], lep[..., 1])
    eta = np.arcsinh(lep[..., 2] / pt)
    phi = np.arctan2(lep[..., 1], lep[..., 0])
    valid = np.ones((n, 2), bool)
    if not two:
        valid[:, 1] = False
    charge = np.tile(np.array([-1, 1], dtype=np.int8), (n, 1))
    if process == "wplus":
        charge[:, 0] = 1
    prompt = np.full((n, 2), process != "qcd")
    cone = np.zeros((n, 2))
    if process == "qcd":
        cone[:, 0] = rng.exponential(15.0, n)
    z2 = lambda x: np.where(valid, x, 0.0)
    nu = b if not two else np.zeros_like(b)
    recoil_px, recoil_py = -pt_v * np.cos(phi_v), -pt_v * np.sin(phi_v)
    if process == "qcd":  # b jet: muon + collinear hadrons (cone) + neutrino, balanced by the rest
        nu = 0.2 * a
        recoil_px = -(a[:, 0] + nu[:, 0] + cone[:, 0] * np.cos(phi[:, 0]))
        recoil_py = -(a[:, 1] + nu[:, 1] + cone[:, 0] * np.sin(phi[:, 0]))
    return TruthEvents(
        event=np.arange(first_event, first_event + n, dtype=np.uint64), v_pdgid=np.full(n, pdg, np.int32),
        m_v=m, y_v=y_v, pt_v=pt_v, phi_v=phi_v, cos_theta_cs=rng.uniform(-1, 1, n), phi_cs=rng.uniform(0, 2 * np.pi, n),
        x1=rng.uniform(0, 0.1, n), x2=rng.uniform(0, 0.1, n), id1=np.full(n, 2, np.int32), id2=np.full(n, -1, np.int32),
        mu_valid=valid, mu_pt=z2(pt), mu_eta=z2(eta), mu_phi=z2(phi), mu_charge=np.where(valid, charge, 0).astype(np.int8),
        mu_prompt=prompt & valid, mu_pt_prefsr=z2(pt), mu_cone_had_pt=cone,
        nu_px=nu[:, 0], nu_py=nu[:, 1], recoil_px=recoil_px, recoil_py=recoil_py,
        gen_weight=np.full(n, 1000.0 / max(n, 1)),
        weights={"mass": np.ones((n, 21), np.float32)},
        weight_labels={"mass": [f"massShift{d}MeV" for d in range(-100, 101, 10)]},
    )


def synthetic_generate_truth(process, n_events, first_event, rng, params):  # noqa: ANN001, ANN201
    """Same signature as wmass.generate.processes.generate_truth; gen_weight = σ / n (pb)."""
    truth = make_truth(process, n_events, rng, first_event)
    truth.gen_weight = np.full(n_events, SYNTHETIC_XSEC_PB[process] / max(n_events, 1))
    return truth


def synthetic_cross_section(process, params):  # noqa: ANN001, ANN201
    """Same signature as wmass.generate.processes.cross_section_pb."""
    return SYNTHETIC_XSEC_PB[process]
