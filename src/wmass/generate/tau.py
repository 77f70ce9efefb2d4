"""Leptonic tau decay tau -> mu nu nu with the polarised Michel spectrum.

In the tau rest frame, with x = E_mu / E_max (E_max ≈ m_tau/2, muon mass neglected in the spectrum)
and θ the angle between the muon and the tau flight direction,

.. math:: \\frac{d\\Gamma}{dx\\,d\\cos\\theta} \\propto x^2[(3 - 2x) + P(1 - 2x)\\cos\\theta],

P the longitudinal polarisation (helicity) of the τ⁻; the τ⁺ distribution with the CP-conjugate
helicity is the same, so one P serves both charges (W: P = -1; Z: P ≈ -0.15; PDG "tau branching
fractions" review and Phys. Rept. 532 (2013) 27). Then the muon is boosted along the tau.
"""

from __future__ import annotations

import numba
import numpy as np

from wmass.interp import interp

__all__ = ["decay_tau_to_muon"]


def _sample_michel(rng: np.random.Generator, n: int, pol: float) -> tuple[np.ndarray, np.ndarray]:
    """(x, cosθ): x from x²(3 - 2x), cosθ from (1 + a cosθ)/2 (inverse CDFs)."""
    r = rng.random((2, n))
    # x from the exact CDF 2x³ - x⁴, inverted on a fine table (one random number per decay)
    grid = np.linspace(0.0, 1.0, 4097)
    x = interp(r[0], 2.0 * grid**3 - grid**4, grid)
    a = pol * (1.0 - 2.0 * x) / (3.0 - 2.0 * x)
    u = r[1]
    # inverse of F(c) = (c + 1)/2 + a (c² - 1)/4, stable for a -> 0
    qa, qb, qc = a / 4.0, 0.5, 0.5 - a / 4.0 - u
    cos = -2.0 * qc / (qb + np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0)))
    return x, np.clip(cos, -1.0, 1.0)


def decay_tau_to_muon(rng: np.random.Generator, tau: np.ndarray, m_tau: float, m_mu: float,
                      pol: float) -> tuple[np.ndarray, np.ndarray]:
    """Muon and neutrino-sum lab four-momenta [4, n] from taus ``tau`` [4, n] of polarisation ``pol``."""
    n: int = tau.shape[1]
    x, cos = _sample_michel(rng, n, pol)
    phi = 2.0 * np.pi * rng.random(n)
    e_max = (m_tau**2 + m_mu**2) / (2.0 * m_tau)
    mu = _boost(np.ascontiguousarray(tau, dtype=np.float64), x, cos, phi, e_max, float(m_tau), float(m_mu), m_mu**2)
    return mu, tau - mu


@numba.njit(cache=True, nogil=True)
def _boost(tau: np.ndarray, x: np.ndarray, cos: np.ndarray, phi: np.ndarray, e_max: float, m_tau: float,
           m_mu: float, m_mu2: float) -> np.ndarray:
    """[4, n] lab muon of energy fraction x at (cosθ, φ) in the τ rest frame, boosted along each τ
    (transverse basis: e1 ⟂ (n̂, z), e2 = n̂ × e1)."""
    out = np.empty((4, x.shape[0]))
    for i in range(x.shape[0]):
        estar = max(x[i] * e_max, m_mu * (1.0 + 1e-9))
        pstar = np.sqrt(estar * estar - m_mu2)
        t0, t1, t2, t3 = tau[0, i], tau[1, i], tau[2, i], tau[3, i]
        p = np.sqrt(t1 * t1 + t2 * t2 + t3 * t3)
        n0, n1, n2 = t1 / p, t2 / p, t3 / p
        beta, gamma = p / t0, t0 / m_tau
        norm = max(np.sqrt(n1 * n1 + n0 * n0 + 0.0), 1e-12)
        a0, a1, a2 = n1 / norm, -n0 / norm, 0.0 / norm
        b0, b1, b2 = n1 * a2 - n2 * a1, n2 * a0 - n0 * a2, n0 * a1 - n1 * a0
        c = cos[i]
        sin = np.sqrt(1.0 - c * c)
        p_par = gamma * (pstar * c + beta * estar)
        cphi, sphi = np.cos(phi[i]), np.sin(phi[i])
        ps = pstar * sin
        out[0, i] = gamma * (estar + beta * pstar * c)
        out[1, i] = p_par * n0 + ps * (cphi * a0 + sphi * b0)
        out[2, i] = p_par * n1 + ps * (cphi * a1 + sphi * b1)
        out[3, i] = p_par * n2 + ps * (cphi * a2 + sphi * b2)
    return out
