"""Non-Drell-Yan samples: rare (top/diboson-like), qcd (nonprompt muons from b/c), jpsi (prompt J/psi).

* rare: a W -> mu nu boosted by the top/diboson system (gamma-distributed pT^W, shape 2), decayed with
  A0 = 0.7 x 2 (mostly longitudinal W as in top decays), plus, in a fraction of events, an extra
  neutrino system (the lost lepton of dileptonic ttbar) and exponential hadronic activity in the
  muon cone (nearby b jets). Hadronic recoil balances everything visible and invisible.
* qcd: a heavy hadron (B-like, m = 5.28 GeV) with dsigma/dpT ∝ pT^-p above pt_min, flat in eta, decays
  semileptonically (the muon from the unpolarised Michel spectrum of tau.py); the rest shares out
  between the neutrino (a uniform 20-50 % of it) and a charm hadron, which with the b-jet fragments
  (exponential, mean frag_cone_mean x pT_hadron) is the cone activity. Muon fraction, cone activity and
  the collinear neutrino are thus anti-correlated: isolation and mT are correlated, as the extended
  ABCD method assumes. Hadronic recoil = -(muon + neutrino). A generator-level muon filter (as CMS's
  QCD MuEnrichedPt15 samples: pT^μ > 15 GeV, |η^μ| < 2.5) keeps only muons that can reach the
  selection; the cross section as generated is xsec_pb times the filter efficiency
  (:func:`qcd_filter_efficiency`), so σ·L is unchanged for the muons kept.
* jpsi: dsigma/dpT ∝ pT (1 + (pT/p0)²)^-n on [pt_min, pt_max], flat in |y| < y_max, unpolarised
  (isotropic: A0 = 2/3), mu mu with QED FSR (scale m_J/psi).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from wmass import constants
from wmass.generate.decay import boson_four_vector, decay_in_cs, pt_eta_phi, sample_cs_angles
from wmass.generate.fsr import sample_fsr_fraction
from wmass.generate.luminosity import boson_mass_width
from wmass.generate.tau import decay_tau_to_muon
from wmass.truth import TruthEvents

__all__ = ["M_B_HADRON", "generate_jpsi", "generate_qcd", "generate_rare", "qcd_filter_efficiency", "truth_record"]

M_B_HADRON = 5.28
#: Seed and size of the fixed sample that measures the QCD muon-filter efficiency.
QCD_FILTER_SEED, QCD_FILTER_EVENTS = 20240515, 1_000_000
_QCD_KEYS = ("pt_h", "eta_h", "phi_h", "mu_pt", "mu_eta", "mu_phi", "mu_charge", "cone", "nu_px", "nu_py",
             "recoil_px", "recoil_py")


def truth_record(n: int, first_event: int, xsec_pb: float, **arrays: np.ndarray) -> TruthEvents:
    """A TruthEvents with the given arrays and zeros (False) for the others; gen_weight = xsec / n."""
    z1, z2 = np.zeros(n), np.zeros((n, 2))
    base: dict[str, Any] = {
        "v_pdgid": np.zeros(n, np.int32), "m_v": z1, "y_v": z1, "pt_v": z1, "phi_v": z1,
        "cos_theta_cs": z1, "phi_cs": z1, "x1": z1, "x2": z1, "id1": np.zeros(n, np.int32),
        "id2": np.zeros(n, np.int32), "mu_valid": np.zeros((n, 2), bool), "mu_pt": z2, "mu_eta": z2,
        "mu_phi": z2, "mu_charge": np.zeros((n, 2), np.int8), "mu_prompt": np.zeros((n, 2), bool),
        "mu_pt_prefsr": None, "mu_cone_had_pt": z2, "nu_px": z1, "nu_py": z1, "recoil_px": z1,
        "recoil_py": z1}
    base.update(arrays)
    if base["mu_pt_prefsr"] is None:
        base["mu_pt_prefsr"] = base["mu_pt"]
    return TruthEvents(event=np.arange(first_event, first_event + n, dtype=np.uint64),
                       gen_weight=np.full(n, xsec_pb / max(n, 1)), **base)


def _slot0(n: int, *cols: np.ndarray) -> list[np.ndarray]:
    """[n, 2] arrays with the values in slot 0 and zeros in slot 1."""
    return [np.stack([c, np.zeros(n, c.dtype)], axis=1) for c in cols]


def generate_rare(n: int, first_event: int, rng: np.random.Generator, params: Mapping[str, Any]) -> TruthEvents:
    """Top/diboson-like prompt muons (see the module docstring)."""
    p = params["rare"]
    mass, width = boson_mass_width(params, "w")
    u = rng.random(n)
    m = np.sqrt(np.clip(mass**2 + mass * width * np.tan(np.pi * (u - 0.5) * 0.98), 1.0, None))
    pt = rng.gamma(2.0, p["w_pt_mean_gev"] / 2.0, n)
    y = rng.normal(0.0, 1.2, n)
    phi_v = 2.0 * np.pi * rng.random(n)
    coeff = np.zeros((n, 8))
    coeff[:, 0] = 1.4
    cos, phi = sample_cs_angles(rng, coeff)
    q = boson_four_vector(m, y, pt, phi_v)
    mu = decay_in_cs(q, m, cos, phi, constants.M_MU, 0.0)
    nu = q - mu
    extra = (rng.random(n) < p["extra_nu_fraction"]) * rng.exponential(p["extra_nu_mean_gev"], n)
    a = 2.0 * np.pi * rng.random(n)
    nu_x, nu_y = nu[1] + extra * np.cos(a), nu[2] + extra * np.sin(a)
    mpt, meta, mphi = pt_eta_phi(mu)
    charge = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    valid, ptc, etac, phic, qc = _slot0(n, np.ones(n, bool), mpt, meta, mphi, charge)
    cone = _slot0(n, rng.exponential(p["cone_had_mean_gev"], n))[0]
    return truth_record(n, first_event, p["xsec_pb"], v_pdgid=np.full(n, 6, np.int32), m_v=m, y_v=y,
                        pt_v=pt, phi_v=phi_v, cos_theta_cs=cos, phi_cs=phi, mu_valid=valid, mu_pt=ptc,
                        mu_eta=etac, mu_phi=phic, mu_charge=qc, mu_prompt=valid.copy(),
                        mu_cone_had_pt=cone, nu_px=nu_x, nu_py=nu_y,
                        recoil_px=-(mu[1] + nu_x), recoil_py=-(mu[2] + nu_y))


def _qcd_candidates(n: int, rng: np.random.Generator, p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Unfiltered heavy-hadron decays (1D arrays of the truth record; see the module docstring)."""
    u = rng.random(n)
    pt_h = p["hadron_pt_min_gev"] * (1.0 - u) ** (-1.0 / (p["hadron_pt_power"] - 1.0))
    eta_h = rng.uniform(-p["eta_max"], p["eta_max"], n)
    phi_h = rng.uniform(-np.pi, np.pi, n)
    mt = np.sqrt(pt_h**2 + M_B_HADRON**2)
    pz = pt_h * np.sinh(eta_h)
    had = np.stack([np.sqrt(mt**2 + pz**2), pt_h * np.cos(phi_h), pt_h * np.sin(phi_h), pz])
    mu, rest = decay_tau_to_muon(rng, had, M_B_HADRON, constants.M_MU, 0.0)
    f_nu = rng.uniform(0.2, 0.5, n)
    nu = f_nu * rest
    charm = rest - nu
    frag = p["frag_cone_mean"] * pt_h * rng.exponential(1.0, n)
    mpt, meta, mphi = pt_eta_phi(mu)
    charge = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    return {"pt_h": pt_h, "eta_h": eta_h, "phi_h": phi_h, "mu_pt": mpt, "mu_eta": meta, "mu_phi": mphi,
            "mu_charge": charge, "cone": np.hypot(charm[1], charm[2]) + frag, "nu_px": nu[1], "nu_py": nu[2],
            "recoil_px": -(mu[1] + nu[1]), "recoil_py": -(mu[2] + nu[2])}


def _passes_filter(cand: Mapping[str, np.ndarray], p: Mapping[str, Any]) -> np.ndarray:
    """Generator-level muon filter: pT^μ > filter_mu_pt_min_gev and |η^μ| < filter_mu_eta_max."""
    return (cand["mu_pt"] > p["filter_mu_pt_min_gev"]) & (np.abs(cand["mu_eta"]) < p["filter_mu_eta_max"])


@functools.lru_cache(maxsize=16)
def _filter_efficiency(pt_min: float, power: float, eta_max: float, mu_pt_min: float, mu_eta_max: float) -> float:
    p = {"hadron_pt_min_gev": pt_min, "hadron_pt_power": power, "eta_max": eta_max, "frag_cone_mean": 0.0,
         "filter_mu_pt_min_gev": mu_pt_min, "filter_mu_eta_max": mu_eta_max}
    rng = np.random.default_rng(QCD_FILTER_SEED)
    return float(np.mean([_passes_filter(_qcd_candidates(QCD_FILTER_EVENTS // 4, rng, p), p).mean() for _ in range(4)]))


def qcd_filter_efficiency(p: Mapping[str, Any]) -> float:
    """Fraction of heavy-hadron decays that pass the muon filter (``generator.qcd`` block ``p``).

    A fixed-seed sample of QCD_FILTER_EVENTS candidates (statistical precision ~5e-4 absolute), so
    the value, and hence the generated cross section xsec_pb × efficiency, is a deterministic
    function of the parameters, like a MuEnriched sample's quoted filter efficiency.
    """
    eff = _filter_efficiency(float(p["hadron_pt_min_gev"]), float(p["hadron_pt_power"]), float(p["eta_max"]),
                             float(p["filter_mu_pt_min_gev"]), float(p["filter_mu_eta_max"]))
    if eff <= 0.0:
        raise ValueError("generator.qcd: the muon filter keeps no events")
    return eff


def generate_qcd(n: int, first_event: int, rng: np.random.Generator, params: Mapping[str, Any]) -> TruthEvents:
    """Nonprompt muons from heavy-flavour decays that pass the muon filter (see the module docstring).

    Candidates are generated in batches of the expected size until n pass (rejection sampling:
    the stream consumed depends only on n and the rng state); gen_weight sums to
    xsec_pb × filter efficiency.
    """
    p = params["qcd"]
    eff = qcd_filter_efficiency(p)
    parts: list[dict[str, np.ndarray]] = []
    have = 0
    while not parts or have < n:
        cand = _qcd_candidates(int(np.ceil(1.1 * (n - have) / eff)) + 64, rng, p)
        keep = _passes_filter(cand, p)
        parts.append({k: v[keep] for k, v in cand.items()})
        have += int(keep.sum())
    a = {k: np.concatenate([d[k] for d in parts])[:n] for k in _QCD_KEYS}
    valid, ptc, etac, phic, qc, cone = _slot0(n, np.ones(n, bool), a["mu_pt"], a["mu_eta"], a["mu_phi"],
                                              a["mu_charge"], a["cone"])
    return truth_record(n, first_event, p["xsec_pb"] * eff, m_v=np.full(n, M_B_HADRON), y_v=a["eta_h"],
                        pt_v=a["pt_h"], phi_v=a["phi_h"], mu_valid=valid, mu_pt=ptc, mu_eta=etac, mu_phi=phic,
                        mu_charge=qc, mu_cone_had_pt=cone, nu_px=a["nu_px"], nu_py=a["nu_py"],
                        recoil_px=a["recoil_px"], recoil_py=a["recoil_py"])


def generate_jpsi(n: int, first_event: int, rng: np.random.Generator, params: Mapping[str, Any]) -> TruthEvents:
    """Prompt J/psi -> mu mu (see the module docstring)."""
    p = params["jpsi"]
    n_pow, p0 = p["n_power"], p["pt0_gev"]
    v_lo, v_hi = (1.0 + (x / p0) ** 2 for x in (p["pt_min_gev"], p["pt_max_gev"]))
    u = rng.random(n)
    v = (v_lo ** (1.0 - n_pow) + u * (v_hi ** (1.0 - n_pow) - v_lo ** (1.0 - n_pow))) ** (1.0 / (1.0 - n_pow))
    pt = p0 * np.sqrt(v - 1.0)
    y = rng.uniform(-p["y_max"], p["y_max"], n)
    phi_v = rng.uniform(-np.pi, np.pi, n)
    m = np.full(n, constants.M_JPSI)
    coeff = np.zeros((n, 8))
    coeff[:, 0] = 2.0 / 3.0
    cos, phi = sample_cs_angles(rng, coeff)
    q = boson_four_vector(m, y, pt, phi_v)
    mum = decay_in_cs(q, m, cos, phi, constants.M_MU, constants.M_MU)
    pre, eta, phis = (np.stack(c, axis=1) for c in zip(pt_eta_phi(mum), pt_eta_phi(q - mum)))
    z = np.stack([sample_fsr_fraction(rng, m, params["fsr"], constants.M_MU) for _ in range(2)], axis=1)
    valid = np.ones((n, 2), bool)
    return truth_record(n, first_event, p["xsec_pb"], v_pdgid=np.full(n, 443, np.int32), m_v=m, y_v=y,
                        pt_v=pt, phi_v=phi_v, cos_theta_cs=cos, phi_cs=phi, mu_valid=valid,
                        mu_pt=pre * (1.0 - z), mu_pt_prefsr=pre, mu_eta=eta, mu_phi=phis,
                        mu_charge=np.tile(np.array([-1, 1], np.int8), (n, 1)), mu_prompt=valid.copy(),
                        recoil_px=-q[1], recoil_py=-q[2])
