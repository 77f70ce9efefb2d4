"""The muon efficiency steps and the pT smoothing basis of their scale factors.

Steps, in the order they act on a muon (the CMS tag-and-probe chain of the seeds): ``tracking``
(inner track given a standalone muon), ``reco`` (standalone/global reconstruction given a track),
``idip`` (medium ID and impact parameters given a global muon), ``trigger`` (IsoMu24 leg) and
``iso`` (isolation). The detector model (:mod:`wmass.detector.efficiency`) has one parameter set
per step; the processors (:mod:`wmass.analyses.efficiency`) have one scale factor per step and cell.

A scale factor is smooth in pT within its (η, charge) cell. Its shape is expanded in Legendre
polynomials P_j(x) of x = 2 (pT − 26)/(60 − 26) − 1 clipped to [−1, 1], the analyses' pT range
[:data:`PT_LOW`, :data:`PT_HIGH`] mapped onto [−1, 1]: the shape of the eigen-variations of a
polynomial fit in pT with uncorrelated errors.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PT_HIGH", "PT_LOW", "STEPS", "legendre", "unit_pt"]

#: The efficiency steps, in the order they act on a muon.
STEPS = ("tracking", "reco", "idip", "trigger", "iso")
#: pT range (GeV) of the scale-factor smoothing, mapped onto x ∈ [−1, 1].
PT_LOW, PT_HIGH = 26.0, 60.0


def unit_pt(pt: np.ndarray, low: float = PT_LOW, high: float = PT_HIGH) -> np.ndarray:
    """x = 2 (pT − low)/(high − low) − 1, clipped to [−1, 1]."""
    return np.clip(2.0 * (pt - low) / (high - low) - 1.0, -1.0, 1.0)


def legendre(x: np.ndarray, n: int) -> np.ndarray:
    """[len(x), n] Legendre polynomials P_0..P_{n-1} at x (Bonnet recursion)."""
    out = np.empty((x.size, max(n, 1)))
    out[:, 0] = 1.0
    if n > 1:
        out[:, 1] = x
    for j in range(2, n):
        out[:, j] = ((2 * j - 1) * x * out[:, j - 1] - (j - 1) * out[:, j - 2]) / j
    return out[:, :n]
