"""LO partonic channels and cross sections for q qbar' -> W -> l nu and q qbar -> Z/gamma* -> l l.

W (colour-averaged, running width, narrow-width limit the textbook
sigma = 2 pi G_F M^2 |V|^2 / (3 sqrt 2) delta(s - M^2) BR):

.. math:: \\hat\\sigma(\\hat s) = \\frac{4\\pi}{3}\\,\\frac{\\Gamma_{q\\bar q'}\\Gamma_{\\ell\\nu}\\,\\hat s}
          {M^2[(\\hat s - M^2)^2 + \\hat s^2\\Gamma^2/M^2]},\\quad
          \\Gamma_{\\ell\\nu} = \\frac{G_F M^3}{6\\sqrt2\\pi},\\ \\Gamma_{q\\bar q'} = 3|V_{qq'}|^2\\Gamma_{\\ell\\nu}.

Z/gamma* (Ellis-Stirling-Webber eq. 8.x, crossed to q qbar -> l- l+; theta between quark and l-):
dsigma/dcos = pi alpha^2/(2 s) / N_c [A0 (1 + cos^2) + A1 cos], so sigma = 4 pi alpha^2 A0 / (9 s) and the
LO forward-backward coefficient of the quark frame is A4 = A1 / A0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GEV2_TO_PB", "Channels", "channels", "sigma_hat_w", "z_couplings", "z_sigma_a4"]

#: (hbar c)^2 in pb GeV^2.
GEV2_TO_PB = 0.3893794e9

@dataclass(frozen=True)
class Channels:
    """Ordered parton pairs (id1 from beam 1, id2 from beam 2) of a process and their coupling factor.

    ``coupling`` is |V_CKM|^2 for W; for Z it is the quark PDG id (the couplings depend on sqrt(s)).
    """

    id1: np.ndarray
    id2: np.ndarray
    coupling: np.ndarray

    @property
    def quark(self) -> np.ndarray:
        """PDG id of the quark (positive id) of each channel."""
        return np.where(self.id1 > 0, self.id1, self.id2)


def _ckm(ew: Mapping[str, Any]) -> dict[tuple[int, int], float]:
    return {(2, 1): ew["v_ud"], (2, 3): ew["v_us"], (2, 5): ew["v_ub"],
            (4, 1): ew["v_cd"], (4, 3): ew["v_cs"], (4, 5): ew["v_cb"]}


def channels(boson: str, ew: Mapping[str, Any]) -> Channels:
    """Channels of ``boson`` in {"wplus", "wminus", "z"}: both beam orderings, heavy flavours up to b."""
    id1: list[int] = []
    id2: list[int] = []
    cpl: list[float] = []
    if boson in ("wplus", "wminus"):
        for (up, down), v in _ckm(ew).items():
            q, qb = (up, -down) if boson == "wplus" else (down, -up)
            for a, b in ((q, qb), (qb, q)):
                id1.append(a)
                id2.append(b)
                cpl.append(v * v)
    elif boson == "z":
        for q in (1, 2, 3, 4, 5):
            for a, b in ((q, -q), (-q, q)):
                id1.append(a)
                id2.append(b)
                cpl.append(float(q))
    else:
        raise ValueError(f"unknown boson {boson!r}")
    return Channels(np.array(id1), np.array(id2), np.array(cpl))


def sigma_hat_w(shat: np.ndarray, mass: float, width: float, gf: float) -> np.ndarray:
    """W -> l nu partonic cross section for |V|^2 = 1, in GeV^-2 (see the module docstring)."""
    g_lnu = gf * mass**3 / (6.0 * np.sqrt(2.0) * np.pi)
    prop = (shat - mass**2) ** 2 + shat**2 * width**2 / mass**2
    return 4.0 * np.pi / 3.0 * 3.0 * g_lnu * g_lnu * shat / (mass**2 * prop)


def z_couplings(quark: np.ndarray | int, sin2w: float) -> tuple[np.ndarray, ...]:
    """(Q_q, v_q, a_q, v_l, a_l) with v = T3 - 2 Q sin^2(theta_W), a = T3 (charged lepton Q = -1)."""
    up = np.abs(np.asarray(quark)) % 2 == 0
    q = np.where(up, 2.0 / 3.0, -1.0 / 3.0)
    t3 = np.where(up, 0.5, -0.5)
    return q, t3 - 2 * q * sin2w, t3, np.full_like(q, -0.5 + 2 * sin2w), np.full_like(q, -0.5)


def z_sigma_a4(shat: np.ndarray, quark: np.ndarray | int, mass: float, width: float,
               ew: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Z/gamma* -> l l: partonic cross section (GeV^-2) and LO quark-frame A4, per quark flavour."""
    alpha, gf, sin2w = ew["alpha_mz"], ew["gf"], ew["sin2w"]
    qq, vq, aq, vl, al = z_couplings(quark, sin2w)
    kappa = np.sqrt(2.0) * gf * mass**2 / (4.0 * np.pi * alpha)
    den = (shat - mass**2) ** 2 + shat**2 * width**2 / mass**2
    chi1 = kappa * shat * (shat - mass**2) / den
    chi2 = kappa**2 * shat**2 / den
    a0 = qq**2 - 2 * qq * vl * vq * chi1 + (al**2 + vl**2) * (aq**2 + vq**2) * chi2
    a1 = -4 * qq * al * aq * chi1 + 8 * al * vl * aq * vq * chi2
    return 4.0 * np.pi * alpha**2 * a0 / (9.0 * shat), a1 / a0
