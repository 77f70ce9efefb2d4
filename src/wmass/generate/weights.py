"""Per-event theory weight groups of the Drell-Yan samples (LHE-style arrays relative to gen_weight).

Every group is a pure function of stored truth quantities, implemented once in wmass.theory; this
module only evaluates the groups named in ``params["weights"]["store"]`` so the processors can call
the very same functions for any group not stored. Groups (columns):

* ``mass``: 2 n + 1 Breit-Wigner mass shifts (default ±100 MeV in 10 MeV steps), width ∝ M³;
* ``width``: Gamma ± ``width_variation_gev``;
* ``pdf_hessian``: the symmetric Hessian members; ``pdf_alt``: one per alternative real set;
* ``ptv``: up/down of each pT^V parameter; ``helicity``: A_0..A_4 up/down in the event's pT^V bin;
* ``fsr``: QED FSR off, strength up/down.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from wmass import constants
from wmass.generate.luminosity import boson_mass_width
from wmass.generate.partons import z_sigma_a4
from wmass.theory.angular import angular_coefficients, helicity_variation_labels, helicity_weights, quark_sign
from wmass.theory.lineshape import mass_shifts_mev, mass_weights, width_weights
from wmass.theory.pdf import PdfWeightTable, build_pdf_weight_table, pdf_weights
from wmass.theory.ptv import ptv_weights
from wmass.theory.qed import fsr_labels, fsr_weights

__all__ = ["WEIGHT_GROUPS", "dy_weights", "pdf_table", "weights_from_truth"]

WEIGHT_GROUPS = ("mass", "width", "pdf_hessian", "pdf_alt", "ptv", "helicity", "fsr")


def pdf_table(params: Mapping[str, Any], q_ref: float) -> PdfWeightTable:
    """The PDF weight table of ``params["pdf"]`` at scale q_ref (cached)."""
    pdf = params["pdf"]
    return build_pdf_weight_table(pdf["set"], tuple(pdf["hessian_sets"]), tuple(pdf["alt_sets"]),
                                  int(pdf["n_eigen"]), float(pdf["corr_length"]), float(pdf["smooth"]),
                                  float(pdf["scale"]), float(q_ref))


def dy_weights(kind: str, t: Mapping[str, np.ndarray], mass: float, width: float,
               params: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Weight groups for boson ``kind`` ("w" or "z") from truth arrays ``t``.

    ``t`` holds m, pt, x1, x2, id1, id2, cos, phi, coeff [n, 8], s_q, emitted [n, 2], valid [n, 2].
    """
    store = params["weights"]["store"]
    w: dict[str, np.ndarray] = {}
    lab: dict[str, list[str]] = {}
    if "mass" in store:
        mw = params["mass_weights"]
        shifts = mass_shifts_mev(mw["step_mev"], mw["n_steps"])
        w["mass"] = mass_weights(t["m"], mass, width, shifts, mw["width_power"])
        lab["mass"] = [f"massShift{int(s):+d}MeV" for s in shifts]
    if "width" in store:
        dg = params[kind]["width_variation_gev"]
        w["width"] = width_weights(t["m"], mass, width, np.array([width + dg, width - dg]))
        lab["width"] = ["widthUp", "widthDown"]
    if "pdf_hessian" in store or "pdf_alt" in store:
        tab = pdf_table(params, mass)
        partons = (t["x1"], t["x2"], t["id1"], t["id2"], tab)
        if "pdf_hessian" in store:
            w["pdf_hessian"] = pdf_weights(*partons, members=slice(tab.n_hessian))
            lab["pdf_hessian"] = list(tab.labels[: tab.n_hessian])
        if "pdf_alt" in store:
            w["pdf_alt"] = pdf_weights(*partons, members=slice(tab.n_hessian, None))
            lab["pdf_alt"] = list(tab.labels[tab.n_hessian:])
    if "ptv" in store:
        w["ptv"], lab["ptv"] = ptv_weights(t["pt"], params[kind]["ptv"], params["ptv_variations"])
    if "helicity" in store:
        w["helicity"] = helicity_weights(t["cos"], t["phi"], t["coeff"], t["s_q"], params["angular"])
        lab["helicity"] = helicity_variation_labels(params["angular"])
    if "fsr" in store:
        radiating = t["valid"] if params["fsr"]["enabled"] else np.zeros_like(t["valid"])
        w["fsr"] = fsr_weights(t["emitted"], radiating, t["m"], params["fsr"], constants.M_MU)
        lab["fsr"] = fsr_labels(params["fsr"])
    return w, lab


def weights_from_truth(groups: list[str] | tuple[str, ...], v_pdgid: np.ndarray, m_v: np.ndarray,
                       y_v: np.ndarray, pt_v: np.ndarray, x1: np.ndarray, x2: np.ndarray, id1: np.ndarray,
                       id2: np.ndarray, cos_theta_cs: np.ndarray, phi_cs: np.ndarray, mu_valid: np.ndarray,
                       mu_pt: np.ndarray, mu_pt_prefsr: np.ndarray, muon_decay: bool,
                       params: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Weight ``groups`` of W or Z events (one boson kind per call) from their stored truth record.

    The generator stores its groups through this function and the processors call it for the
    others. ``muon_decay``: the muons come straight from the boson (FSR was simulated), False for
    the tau samples (their FSR weights are then 1).
    """
    w_like = np.abs(v_pdgid) == 24
    if w_like.any() and not w_like.all():
        raise ValueError("weights_from_truth takes W or Z events, not both in one call")
    kind = "w" if w_like.all() else "z"
    mass, width = boson_mass_width(params, kind)
    s_q = quark_sign(id1, y_v)
    if kind == "z":
        quark = np.where(id1 > 0, id1, id2)
        a4_lo = z_sigma_a4(m_v * m_v, quark, mass, width, params["electroweak"])[1]
    else:  # V-A: the l- follows the quark, the l+ the antiquark
        a4_lo = np.where(v_pdgid > 0, -2.0, 2.0)
    coeff = angular_coefficients(pt_v, m_v, a4_lo, s_q, params["angular"])
    valid = mu_valid if muon_decay else np.zeros_like(mu_valid)
    truth = {"m": m_v, "pt": pt_v, "x1": x1, "x2": x2, "id1": id1, "id2": id2, "cos": cos_theta_cs,
             "phi": phi_cs, "coeff": coeff, "s_q": s_q, "emitted": mu_pt < mu_pt_prefsr, "valid": valid}
    local = dict(params)
    local["weights"] = {"store": list(groups)}
    return dy_weights(kind, truth, mass, width, local)
