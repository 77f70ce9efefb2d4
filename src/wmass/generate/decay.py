"""Decay of a boson in the Collins-Soper frame and the boost of its daughters to the lab.

cosθ is drawn exactly from the φ-integrated density (1 + c²) + A0 (1 - 3c²)/2 + A4 c, written as the
helicity mixture p (1 + c)² + q (1 - c)² + r (1 - c²) with r = A0, p, q = (1 - A0/2 ± A4/2)/2;
φ given cosθ by accept-reject on the remaining (A1, A2, A3, A5, A6, A7) modulation.

Lab frame: with the boson q = (E, qT, 0, qz) (then rotated by φ_V), the CS axes are the spacelike
unit four-vectors Z = s (qz, 0, 0, E)/mT, X = (qT E, mT², 0, qT qz)/(m mT), Y = s (0, 0, 1, 0),
s = sign(qz) (z along the boson direction, x along its qT); a daughter of mass m1 with m2 recoiling
has p = (E1*/m) q + p* (sinθ cosφ X + sinθ sinφ Y + cosθ Z).
"""

from __future__ import annotations

import numpy as np

__all__ = ["boson_four_vector", "decay_in_cs", "pt_eta_phi", "sample_cs_angles"]

_MAX_TRIES = 4
_N_PHI = 256


def _phi_density(g: np.ndarray, terms: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """g + t0 cos(phi) + t1 cos(2 phi) + t2 sin(phi) + t3 sin(2 phi) (broadcasting)."""
    c, s = np.cos(phi), np.sin(phi)
    return g + terms[0] * c + terms[1] * (2.0 * c * c - 1.0) + terms[2] * s + terms[3] * (2.0 * s * c)


def sample_cs_angles(rng: np.random.Generator, coeff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cosθ, φ) drawn from (1 + cos²θ) + Σ A_i P_i for per-event coefficients ``coeff`` [n, 8]."""
    n = coeff.shape[0]
    a0 = np.clip(coeff[:, 0], 0.0, 2.0)
    a4 = coeff[:, 4]
    p = np.clip(0.5 * (1.0 - 0.5 * a0 + 0.5 * a4), 0.0, None)
    q = np.clip(0.5 * (1.0 - 0.5 * a0 - 0.5 * a4), 0.0, None)
    r = rng.random((3, n))
    # component masses: ∫(1±c)² = 8/3, ∫(1-c²) = 4/3
    wp, wq, wr = p * 8.0 / 3.0, q * 8.0 / 3.0, a0 * 4.0 / 3.0
    pick = r[0] * (wp + wq + wr)
    cube = np.cbrt(r[1])
    cos = np.where(pick < wp, 2.0 * cube - 1.0, 1.0 - 2.0 * cube)
    mid = np.flatnonzero(pick >= wp + wq)
    # (1 - c²): invert the CDF (3/4)(c - c³/3) + 1/2 = u with the trigonometric cubic root
    cos[mid] = 2.0 * np.cos((np.arccos(1.0 - 2.0 * r[1, mid]) + 4.0 * np.pi) / 3.0)
    # phi density g + al cos(phi) + be cos(2 phi) + ga sin(phi) + de sin(2 phi) at fixed cos(theta)
    sin = np.sqrt(np.clip(1.0 - cos * cos, 0.0, None))
    s2t = 2.0 * sin * cos
    g = 1.0 + cos * cos + coeff[:, 0] * 0.5 * (1.0 - 3.0 * cos * cos) + coeff[:, 4] * cos
    terms = np.stack([coeff[:, 1] * s2t + coeff[:, 3] * sin, 0.5 * coeff[:, 2] * sin * sin,
                      coeff[:, 6] * s2t + coeff[:, 7] * sin, coeff[:, 5] * sin * sin])
    bound = g + np.abs(terms).sum(axis=0)
    # a fixed number of random numbers per event (candidates, acceptance tests, fallback), so that
    # events stay aligned with the random stream when parameters change (correlated regeneration)
    cand = 2.0 * np.pi * rng.random((_MAX_TRIES, n))
    test = rng.random((_MAX_TRIES, n))
    r_fb = rng.random(n)
    phi = np.empty(n)
    todo = np.arange(n)
    for k in range(_MAX_TRIES):
        if not todo.size:
            break
        ck = cand[k, todo]
        ok = test[k, todo] * bound[todo] <= _phi_density(g[todo], terms[:, todo], ck)
        phi[todo[ok]] = ck[ok]
        todo = todo[~ok]
    if todo.size:  # events near a zero of the density: inverse CDF on a fine phi grid
        grid = (np.arange(_N_PHI) + 0.5) * 2.0 * np.pi / _N_PHI
        dens = np.clip(_phi_density(g[todo, None], terms[:, todo, None], grid[None, :]), 0.0, None)
        cdf = np.cumsum(dens + 1e-300, axis=1)
        cdf /= cdf[:, -1:]
        cell = np.minimum((cdf < r_fb[todo, None]).sum(axis=1), _N_PHI - 1)
        lo = np.where(cell > 0, cdf[np.arange(todo.size), cell - 1], 0.0)
        frac = (r_fb[todo] - lo) / np.maximum(cdf[np.arange(todo.size), cell] - lo, 1e-300)
        phi[todo] = (cell + np.clip(frac, 0.0, 1.0)) * 2.0 * np.pi / _N_PHI
    return cos, phi


def boson_four_vector(m: np.ndarray, y: np.ndarray, pt: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """[4, n] (E, px, py, pz) of a boson of mass m, rapidity y, transverse momentum pt, azimuth phi."""
    mt = np.sqrt(m * m + pt * pt)
    return np.stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)])


def decay_in_cs(q: np.ndarray, m: np.ndarray, cos: np.ndarray, phi: np.ndarray, m1: float,
                m2: float | np.ndarray = 0.0) -> np.ndarray:
    """[4, n] lab four-momentum of the daughter (mass m1) at CS angles (cos, phi); recoil has mass m2."""
    e, px, py, pz = q
    pt = np.hypot(px, py)
    mt = np.sqrt(m * m + pt * pt)
    s = np.where(pz >= 0, 1.0, -1.0)
    e1 = (m * m + m1 * m1 - m2 * m2) / (2.0 * m)
    pstar = np.sqrt(np.clip(e1 * e1 - m1 * m1, 0.0, None))
    sin = np.sqrt(np.clip(1.0 - cos * cos, 0.0, None))
    cx, cy, cz = pstar * sin * np.cos(phi), pstar * sin * np.sin(phi) * s, pstar * cos * s
    # components in the frame where the boson qT is along +x
    t = e1 / m * e + cx * pt * e / (m * mt) + cz * pz / mt
    xx = e1 / m * pt + cx * mt / m
    zz = e1 / m * pz + cx * pt * pz / (m * mt) + cz * e / mt
    cphi = np.where(pt > 0, px / np.where(pt > 0, pt, 1.0), 1.0)
    sphi = np.where(pt > 0, py / np.where(pt > 0, pt, 1.0), 0.0)
    return np.stack([t, xx * cphi - cy * sphi, xx * sphi + cy * cphi, zz])


def pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pT, η, φ) of four-momenta [4, n]."""
    pt = np.hypot(p[1], p[2])
    return pt, np.arcsinh(p[3] / np.maximum(pt, 1e-12)), np.arctan2(p[2], p[1])
