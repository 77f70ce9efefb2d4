"""Shape comparisons of two generators' distributions: normalised histograms, two-sample χ² and KS.

Used by the Pythia cross-check tests and by the pT^V tune (benchmarks/pythia_tune.py). Samples may
be weighted; statistical errors use the sum of squared weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["ShapeComparison", "compare_shapes", "ks_weighted", "normalised_hist"]


def normalised_hist(
    values: np.ndarray, weights: np.ndarray | None, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fractions of the (weighted) events in each bin of ``edges`` and their errors.

    Normalised to the events inside ``edges`` (under/overflow excluded), so the shapes of two
    samples with different tails can be compared in a range; error² = Σw²_bin / (Σw)².
    """
    w = np.ones_like(values, dtype=float) if weights is None else np.asarray(weights, dtype=float)
    h, _ = np.histogram(values, edges, weights=w)
    h2, _ = np.histogram(values, edges, weights=w**2)
    total = h.sum()
    if total <= 0:
        raise ValueError("no events inside the histogram range")
    return h / total, np.sqrt(h2) / total


@dataclass(frozen=True)
class ShapeComparison:
    """Bin-by-bin comparison of a test shape with a reference: ratios, pulls, χ²/ndf and p-value."""

    edges: np.ndarray
    ratio: np.ndarray  #: test / reference per bin
    ratio_err: np.ndarray  #: statistical error of the ratio (both samples)
    chi2: float
    ndf: int
    p_value: float

    def max_deviation(self, upper: float | None = None) -> float:
        """Largest |ratio − 1| over the bins whose upper edge is ≤ ``upper`` (all bins when None)."""
        keep = np.ones_like(self.ratio, dtype=bool) if upper is None else self.edges[1:] <= upper + 1e-12
        return float(np.max(np.abs(self.ratio[keep] - 1.0)))


def compare_shapes(
    test: np.ndarray,
    test_weights: np.ndarray | None,
    reference: np.ndarray,
    reference_weights: np.ndarray | None,
    edges: np.ndarray,
    syst: float = 0.0,
) -> ShapeComparison:
    """Two-sample χ² of the normalised shapes of ``test`` and ``reference`` in ``edges``.

    χ² = Σ_b (p_b − q_b)² / (σ²_p + σ²_q + (syst·q_b)²) with ndf = bins − 1 (one normalisation);
    ``syst`` is a relative per-bin tolerance (e.g. the accepted model difference).
    """
    p, sp = normalised_hist(test, test_weights, edges)
    q, sq = normalised_hist(reference, reference_weights, edges)
    var = sp**2 + sq**2 + (syst * q) ** 2
    ok = var > 0
    chi2 = float(np.sum((p[ok] - q[ok]) ** 2 / var[ok]))
    ndf = max(int(ok.sum()) - 1, 1)
    safe_q = np.where(q > 0, q, np.nan)
    ratio = p / safe_q
    ratio_err = np.sqrt((sp / safe_q) ** 2 + (p * sq / safe_q**2) ** 2)
    return ShapeComparison(np.asarray(edges, float), ratio, ratio_err, chi2, ndf, float(stats.chi2.sf(chi2, ndf)))


def _ecdf(values: np.ndarray, weights: np.ndarray, grid: np.ndarray) -> np.ndarray:
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / weights.sum()
    idx = np.searchsorted(values[order], grid, side="right")
    return np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0)


def ks_weighted(
    a: np.ndarray, wa: np.ndarray | None, b: np.ndarray, wb: np.ndarray | None
) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov distance of weighted samples and its asymptotic p-value.

    The sample sizes are the effective ones, n_eff = (Σw)²/Σw².
    """
    wa = np.ones_like(a, dtype=float) if wa is None else np.asarray(wa, dtype=float)
    wb = np.ones_like(b, dtype=float) if wb is None else np.asarray(wb, dtype=float)
    grid = np.concatenate([a, b])
    d = float(np.max(np.abs(_ecdf(a, wa, grid) - _ecdf(b, wb, grid))))
    na, nb = wa.sum() ** 2 / np.sum(wa**2), wb.sum() ** 2 / np.sum(wb**2)
    n = na * nb / (na + nb)
    return d, float(special.kolmogorov(d * np.sqrt(n)))
