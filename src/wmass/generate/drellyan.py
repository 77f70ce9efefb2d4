"""Drell-Yan truth events: W -> mu nu, Z/gamma* -> mu mu and their tau -> mu nu nu variants.

Chain: (m, y, partons) from the LO parton luminosities (luminosity.py), pT^V from the parametric
spectrum (wmass.theory.ptv), A_i(pT, m, flavour, quark direction) (wmass.theory.angular), CS angles
and lab kinematics (decay.py), QED FSR off the muons (fsr.py), tau decays (tau.py), then the
per-event weights (weights.py). Slots: W fills slot 0; Z fills slot 0 with mu- and slot 1 with mu+.

Normalisation: gen_weight = K sigma_LO / n_events (pb), so a chunk's weights sum to its cross section.
sigma_LO is the LO cross section in the mass window and |y^V| < y_max with the nominal PDF (13 TeV,
NNPDF3.1 NNLO: W+ -> mu nu 9.75 nb, W- 7.32 nb, Z/gamma* -> mu mu in [50, 150] GeV 1.73 nb); the
default K = 1.2 brings it to the NNLO values (ATLAS 13 TeV: 11.83, 8.79, 1.98 nb).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from wmass import constants
from wmass.generate.decay import boson_four_vector, decay_in_cs, pt_eta_phi, sample_cs_angles
from wmass.generate.fsr import sample_fsr_fraction
from wmass.generate.luminosity import build_table, sample_mys
from wmass.generate.partons import z_sigma_a4
from wmass.generate.tau import decay_tau_to_muon
from wmass.generate.weights import weights_from_truth
from wmass.theory.angular import angular_coefficients, quark_sign
from wmass.theory.ptv import sample_ptv
from wmass.truth import TruthEvents

__all__ = ["DY_PROCESSES", "M_TAU", "dy_cross_section_pb", "generate_dy"]

M_TAU = 1.77686
#: Branching fraction tau -> mu nu nu (PDG 2024).
BR_TAU_MU = 0.1739
#: Visible mass of the non-muonic tau decays of Z -> tau tau (a pion-like system).
M_TAU_VIS = 0.14

#: process -> (kind, lepton flavour, tables)
DY_PROCESSES = {"wplus": ("w", "mu", ("wplus",)), "wminus": ("w", "mu", ("wminus",)),
                "zmumu": ("z", "mu", ("z",)), "wtaunu": ("w", "tau", ("wplus", "wminus")),
                "ztautau": ("z", "tau", ("z",))}


def dy_cross_section_pb(process: str, params: Mapping[str, Any]) -> float:
    """K sigma_LO (pb) of a Drell-Yan process (tau samples: times their tau -> mu branching)."""
    kind, lepton, bosons = DY_PROCESSES[process]
    sigma = sum(build_table(params, b).sigma_pb for b in bosons) * params[kind]["k_factor"]
    if process == "wtaunu":
        sigma *= BR_TAU_MU
    if process == "ztautau":
        sigma *= 1.0 - (1.0 - BR_TAU_MU) ** 2
    return float(sigma)


def _sample_boson(boson: str, rng: np.random.Generator, n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    """Boson kinematics, partons, A_i and CS angles for ``n`` events of table ``boson``."""
    kind = "z" if boson == "z" else "w"
    tab = build_table(params, boson)
    ev: dict[str, Any] = sample_mys(tab, rng, n)  # arrays, and the table's mass and width (floats)
    ev["pt"], ev["phi_v"] = sample_ptv(rng, n, params[kind]["ptv"])
    quark = np.where(ev["id1"] > 0, ev["id1"], ev["id2"])
    if kind == "z":
        ev["a4_lo"] = z_sigma_a4(ev["m"] ** 2, quark, tab.mass, tab.width, params["electroweak"])[1]
    else:  # V-A: the l- follows the quark, the l+ the antiquark
        ev["a4_lo"] = np.full(n, -2.0 if boson == "wplus" else 2.0)
    ev["s_q"] = quark_sign(ev["id1"], ev["y"])
    ev["coeff"] = angular_coefficients(ev["pt"], ev["m"], ev["a4_lo"], ev["s_q"], params["angular"])
    ev["cos"], ev["phi"] = sample_cs_angles(rng, ev["coeff"])
    ev["q"] = boson_four_vector(ev["m"], ev["y"], ev["pt"], ev["phi_v"])
    ev["charge"] = np.full(n, 1 if boson == "wplus" else -1, dtype=np.int8)
    ev["pdgid"] = np.full(n, {"wplus": 24, "wminus": -24, "z": 23}[boson], dtype=np.int32)
    ev["mass"], ev["width"] = tab.mass, tab.width
    return ev


def _merge(parts: list[dict[str, Any]], rng: np.random.Generator) -> dict[str, Any]:
    """Concatenate W+ and W- sub-samples in a random order."""
    if len(parts) == 1:
        return parts[0]
    n = sum(p["m"].size for p in parts)
    order = rng.permutation(n)
    out: dict[str, Any] = {}
    for key, val in parts[0].items():
        if isinstance(val, np.ndarray):
            axis = 1 if key == "q" else 0
            out[key] = np.take(np.concatenate([p[key] for p in parts], axis=axis), order, axis=axis)
        else:
            out[key] = val
    return out


def _bosons(process: str, rng: np.random.Generator, n: int, params: Mapping[str, Any]) -> dict[str, Any]:
    bosons = DY_PROCESSES[process][2]
    if len(bosons) == 1:
        return _sample_boson(bosons[0], rng, n, params)
    sig = np.array([build_table(params, b).sigma_pb for b in bosons])
    n_plus = int(rng.binomial(n, sig[0] / sig.sum()))
    return _merge([_sample_boson(bosons[0], rng, n_plus, params),
                   _sample_boson(bosons[1], rng, n - n_plus, params)], rng)


def _leptons(process: str, ev: dict[str, Any], rng: np.random.Generator,
             params: Mapping[str, Any]) -> dict[str, Any]:
    """Muon four-vectors [2 slots][4, n] (a list), validity, charges, neutrino sum, extra visible recoil (arrays)."""
    kind, lepton, _ = DY_PROCESSES[process]
    n, q, m = ev["m"].size, ev["q"], ev["m"]
    m_l = constants.M_MU if lepton == "mu" else M_TAU
    first = decay_in_cs(q, m, ev["cos"], ev["phi"], m_l, m_l if kind == "z" else 0.0)
    second = q - first  # Z: l+ ; W: the neutrino
    zero = np.zeros((4, n))
    out: dict[str, Any] = {"valid": np.zeros((n, 2), bool), "charge": np.zeros((n, 2), np.int8), "nu": zero.copy(),
                           "vis": zero.copy()}
    if kind == "w":
        out["nu"] = second
        leptons, charges = [first, zero], [ev["charge"], np.zeros(n, np.int8)]
        out["valid"][:, 0] = True
    else:
        leptons, charges = [first, second], [np.full(n, -1, np.int8), np.full(n, 1, np.int8)]
        out["valid"][:] = True
    if lepton == "tau":
        pol = params["tau"]["polarisation_w" if kind == "w" else "polarisation_z"]
        muonic = np.ones((n, 2), bool)
        if kind == "z":  # at least one tau -> mu: both with probability B / (2 - B)
            both = rng.random(n) < BR_TAU_MU / (2.0 - BR_TAU_MU)
            which = rng.random(n) < 0.5
            muonic = np.stack([both | which, both | ~which], axis=1)
        for s in range(2 if kind == "z" else 1):
            mu, nu = decay_tau_to_muon(rng, leptons[s], M_TAU, constants.M_MU, pol)
            vis, nu_h = decay_tau_to_muon(rng, leptons[s], M_TAU, M_TAU_VIS, pol)
            mk = muonic[:, s]
            leptons[s] = np.where(mk, mu, 0.0)
            out["nu"] = out["nu"] + np.where(mk, nu, nu_h)
            out["vis"] = out["vis"] + np.where(mk, 0.0, vis)
        out["valid"] &= muonic
    out["mu"] = leptons
    out["charge"] = np.stack(charges, axis=1) * out["valid"]
    return out


def generate_dy(process: str, n: int, first_event: int, rng: np.random.Generator,
                params: Mapping[str, Any]) -> TruthEvents:
    """Truth events of a Drell-Yan process (see the module docstring)."""
    kind, lepton, _ = DY_PROCESSES[process]
    ev = _bosons(process, rng, n, params)
    lep = _leptons(process, ev, rng, params)
    valid = lep["valid"]
    pt_pre = np.zeros((n, 2))
    eta, phi = np.zeros((n, 2)), np.zeros((n, 2))
    slots = range(2 if kind == "z" else 1)  # W: slot 1 stays empty
    for s in slots:
        pt_s, eta_s, phi_s = pt_eta_phi(lep["mu"][s])
        pt_pre[:, s], eta[:, s], phi[:, s] = (np.where(valid[:, s], v, 0.0) for v in (pt_s, eta_s, phi_s))
    z_fsr = np.zeros((n, 2))
    if lepton == "mu":
        for s in slots:
            z_fsr[:, s] = np.where(valid[:, s], sample_fsr_fraction(rng, ev["m"], params["fsr"], constants.M_MU), 0.0)
    q = ev["q"]
    out = TruthEvents(
        event=np.arange(first_event, first_event + n, dtype=np.uint64),
        v_pdgid=ev["pdgid"], m_v=ev["m"], y_v=ev["y"], pt_v=ev["pt"], phi_v=ev["phi_v"],
        cos_theta_cs=ev["cos"], phi_cs=ev["phi"], x1=ev["x1"], x2=ev["x2"], id1=ev["id1"], id2=ev["id2"],
        mu_valid=valid, mu_pt=pt_pre * (1.0 - z_fsr), mu_eta=eta, mu_phi=phi, mu_charge=lep["charge"],
        mu_prompt=valid.copy(), mu_pt_prefsr=pt_pre, mu_cone_had_pt=np.zeros((n, 2)),
        nu_px=lep["nu"][1], nu_py=lep["nu"][2],
        recoil_px=-q[1] + lep["vis"][1], recoil_py=-q[2] + lep["vis"][2],
        gen_weight=np.full(n, dy_cross_section_pb(process, params) / max(n, 1)),
    )
    out.weights, out.weight_labels = weights_from_truth(
        params["weights"]["store"], out.v_pdgid, out.m_v, out.y_v, out.pt_v, out.x1, out.x2, out.id1, out.id2,
        out.cos_theta_cs, out.phi_cs, out.mu_valid, out.mu_pt, out.mu_pt_prefsr, lepton == "mu", params)
    return out
