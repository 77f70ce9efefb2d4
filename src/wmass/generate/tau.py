"""Leptonic tau decay tau -> mu nu nu with the polarised Michel spectrum.

In the tau rest frame, with x = E_mu / E_max (E_max ≈ m_tau/2, muon mass neglected in the spectrum)
and θ the angle between the muon and the tau flight direction,

.. math:: \\frac{d\\Gamma}{dx\\,d\\cos\\theta} \\propto x^2[(3 - 2x) + P(1 - 2x)\\cos\\theta],

P the longitudinal polarisation (helicity) of the τ⁻; the τ⁺ distribution with the CP-conjugate
helicity is the same, so one P serves both charges (W: P = -1; Z: P ≈ -0.15; PDG "tau branching
fractions" review and Phys. Rept. 532 (2013) 27). Then the muon is boosted along the tau.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decay_tau_to_muon"]


def _sample_michel(rng: np.random.Generator, n: int, pol: float) -> tuple[np.ndarray, np.ndarray]:
    """(x, cosθ): x from x²(3 - 2x), cosθ from (1 + a cosθ)/2 (inverse CDFs)."""
    r = rng.random((2, n))
    # x from the exact CDF 2x³ - x⁴, inverted on a fine table (one random number per decay)
    grid = np.linspace(0.0, 1.0, 4097)
    x = np.interp(r[0], 2.0 * grid**3 - grid**4, grid)
    a = pol * (1.0 - 2.0 * x) / (3.0 - 2.0 * x)
    u = r[1]
    # inverse of F(c) = (c + 1)/2 + a (c² - 1)/4, stable for a -> 0
    qa, qb, qc = a / 4.0, 0.5, 0.5 - a / 4.0 - u
    cos = -2.0 * qc / (qb + np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0)))
    return x, np.clip(cos, -1.0, 1.0)


def decay_tau_to_muon(rng: np.random.Generator, tau: np.ndarray, m_tau: float, m_mu: float,
                      pol: float) -> tuple[np.ndarray, np.ndarray]:
    """Muon and neutrino-sum lab four-momenta [4, n] from taus ``tau`` [4, n] of polarisation ``pol``."""
    n = tau.shape[1]
    x, cos = _sample_michel(rng, n, pol)
    phi = 2.0 * np.pi * rng.random(n)
    e_max = (m_tau**2 + m_mu**2) / (2.0 * m_tau)
    estar = np.maximum(x * e_max, m_mu * (1.0 + 1e-9))
    pstar = np.sqrt(estar**2 - m_mu**2)
    p = np.sqrt(tau[1] ** 2 + tau[2] ** 2 + tau[3] ** 2)
    nhat = tau[1:] / p
    beta, gamma = p / tau[0], tau[0] / m_tau
    # transverse basis: e1 ⟂ (nhat, z), e2 = nhat × e1
    e1 = np.stack([nhat[1], -nhat[0], np.zeros(n)])
    e1 /= np.maximum(np.sqrt((e1**2).sum(axis=0)), 1e-12)
    e2 = np.cross(nhat.T, e1.T).T
    sin = np.sqrt(1.0 - cos * cos)
    p_par = gamma * (pstar * cos + beta * estar)
    energy = gamma * (estar + beta * pstar * cos)
    vec = p_par * nhat + pstar * sin * (np.cos(phi) * e1 + np.sin(phi) * e2)
    mu = np.vstack([energy[None, :], vec])
    return mu, tau - mu
