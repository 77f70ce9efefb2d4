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

import numba
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
    n: int = coeff.shape[0]
    r = rng.random((3, n))
    # a fixed number of random numbers per event (candidates, acceptance tests, fallback), so that
    # events stay aligned with the random stream when parameters change (correlated regeneration)
    cand = rng.random((_MAX_TRIES, n))
    cand *= 2.0 * np.pi
    test = rng.random((_MAX_TRIES, n))
    r_fb = rng.random(n)
    coeff = np.ascontiguousarray(coeff, dtype=np.float64)
    cos, phi, g, terms = _cs_angles(coeff, r, cand, test)
    todo = np.flatnonzero(np.isnan(phi))
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


@numba.njit(cache=True, nogil=True)
def _cs_angles(coeff: np.ndarray, r: np.ndarray, cand: np.ndarray,
               test: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """cosθ from the helicity mixture, φ by accept-reject (NaN where all _MAX_TRIES candidates fail),
    and the φ density's constant g and terms [4, n] (module docstring), event by event."""
    n = coeff.shape[0]
    cos, phi, g, terms = np.empty(n), np.empty(n), np.empty(n), np.empty((4, n))
    for i in range(n):
        a0 = min(max(coeff[i, 0], 0.0), 2.0)
        a4 = coeff[i, 4]
        p = max(0.5 * (1.0 - 0.5 * a0 + 0.5 * a4), 0.0)
        q = max(0.5 * (1.0 - 0.5 * a0 - 0.5 * a4), 0.0)
        # component masses: ∫(1±c)² = 8/3, ∫(1-c²) = 4/3
        wp, wq, wr = p * 8.0 / 3.0, q * 8.0 / 3.0, a0 * 4.0 / 3.0
        pick = r[0, i] * (wp + wq + wr)
        if pick >= wp + wq:  # (1 - c²): invert (3/4)(c - c³/3) + 1/2 = u with the trigonometric cubic root
            c = 2.0 * np.cos((np.arccos(1.0 - 2.0 * r[1, i]) + 4.0 * np.pi) / 3.0)
        elif pick < wp:
            c = 2.0 * np.cbrt(r[1, i]) - 1.0
        else:
            c = 1.0 - 2.0 * np.cbrt(r[1, i])
        cos[i] = c
        sin = np.sqrt(max(1.0 - c * c, 0.0))
        s2t = 2.0 * sin * c
        gi = 1.0 + c * c + coeff[i, 0] * 0.5 * (1.0 - 3.0 * c * c) + coeff[i, 4] * c
        t0 = coeff[i, 1] * s2t + coeff[i, 3] * sin
        t1 = 0.5 * coeff[i, 2] * sin * sin
        t2 = coeff[i, 6] * s2t + coeff[i, 7] * sin
        t3 = coeff[i, 5] * sin * sin
        g[i], terms[0, i], terms[1, i], terms[2, i], terms[3, i] = gi, t0, t1, t2, t3
        bound = gi + abs(t0) + abs(t1) + abs(t2) + abs(t3)
        phi[i] = np.nan
        for k in range(cand.shape[0]):
            ck = cand[k, i]
            cc, sc = np.cos(ck), np.sin(ck)
            if test[k, i] * bound <= gi + t0 * cc + t1 * (2.0 * cc * cc - 1.0) + t2 * sc + t3 * (2.0 * sc * cc):
                phi[i] = ck
                break
    return cos, phi, g, terms


def boson_four_vector(m: np.ndarray, y: np.ndarray, pt: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """[4, n] (E, px, py, pz) of a boson of mass m, rapidity y, transverse momentum pt, azimuth phi."""
    return _boson_four_vector(*(np.ascontiguousarray(v, dtype=np.float64) for v in (m, y, pt, phi)))


@numba.njit(cache=True, nogil=True)
def _boson_four_vector(m: np.ndarray, y: np.ndarray, pt: np.ndarray, phi: np.ndarray) -> np.ndarray:
    out = np.empty((4, m.shape[0]))
    for i in range(m.shape[0]):
        mt = np.sqrt(m[i] * m[i] + pt[i] * pt[i])
        out[0, i], out[1, i] = mt * np.cosh(y[i]), pt[i] * np.cos(phi[i])
        out[2, i], out[3, i] = pt[i] * np.sin(phi[i]), mt * np.sinh(y[i])
    return out


def decay_in_cs(q: np.ndarray, m: np.ndarray, cos: np.ndarray, phi: np.ndarray, m1: float,
                m2: float | np.ndarray = 0.0) -> np.ndarray:
    """[4, n] lab four-momentum of the daughter (mass m1) at CS angles (cos, phi); recoil has mass m2."""
    n = np.shape(m)[0]
    m_c, cos_c, phi_c, m2_c = (np.ascontiguousarray(np.broadcast_to(v, (n,)), dtype=np.float64) for v in (m, cos, phi, m2))
    return _decay_in_cs(np.ascontiguousarray(q, dtype=np.float64), m_c, cos_c, phi_c, m2_c, float(m1))


@numba.njit(cache=True, nogil=True)
def _decay_in_cs(q: np.ndarray, m: np.ndarray, cos: np.ndarray, phi: np.ndarray, m2: np.ndarray,
                 m1: float) -> np.ndarray:
    """decay_in_cs event by event (the formulae of the module docstring)."""
    out = np.empty((4, m.shape[0]))
    for i in range(m.shape[0]):
        e, px, py, pz, mi, c = q[0, i], q[1, i], q[2, i], q[3, i], m[i], cos[i]
        pt = np.hypot(px, py)
        mt = np.sqrt(mi * mi + pt * pt)
        s = 1.0 if pz >= 0 else -1.0
        e1 = (mi * mi + m1 * m1 - m2[i] * m2[i]) / (2.0 * mi)
        pstar = np.sqrt(max(e1 * e1 - m1 * m1, 0.0))
        sin = np.sqrt(max(1.0 - c * c, 0.0))
        cx, cy, cz = pstar * sin * np.cos(phi[i]), pstar * sin * np.sin(phi[i]) * s, pstar * c * s
        # components in the frame where the boson qT is along +x
        t = e1 / mi * e + cx * pt * e / (mi * mt) + cz * pz / mt
        xx = e1 / mi * pt + cx * mt / mi
        zz = e1 / mi * pz + cx * pt * pz / (mi * mt) + cz * e / mt
        cphi, sphi = (px / pt, py / pt) if pt > 0 else (1.0, 0.0)
        out[0, i], out[1, i], out[2, i], out[3, i] = t, xx * cphi - cy * sphi, xx * sphi + cy * cphi, zz
    return out


def pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pT, η, φ) of four-momenta [4, n]."""
    return _pt_eta_phi(np.ascontiguousarray(p, dtype=np.float64))


@numba.njit(cache=True, nogil=True)
def _pt_eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = p.shape[1]
    pt, eta, phi = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        pt[i] = np.hypot(p[1, i], p[2, i])
        eta[i] = np.arcsinh(p[3, i] / max(pt[i], 1e-12))
        phi[i] = np.arctan2(p[2, i], p[1, i])
    return pt, eta, phi
