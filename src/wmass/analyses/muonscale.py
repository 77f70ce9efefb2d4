"""Muon momentum scale and resolution variations as event weights (dw/dk · δk, as CMS does).

The reconstructed curvature k = 1/pT is Gaussian around the generator curvature k_g with width
σ_k = k_g · σ(|η|), σ(|η|) = Σ_i c_i |η|^i (``resolution_poly``). Moving the mean by δk
reweights an event by G(k; k_g + δk, σ_k)/G(k; k_g, σ_k) ≈ 1 + δk (k − k_g)/σ_k², and scaling
σ_k by (1 + r) by ≈ 1 + r [(k − k_g)²/σ_k² − 1]; the pull (k − k_g)/σ_k is clipped to ±5 so
that radiative tails do not produce huge weights. The calibration model
k_reco = k (1 + A − ε k + q M / k) (:mod:`wmass.muon.curvature`; ε is called "e" in labels and
config keys) gives per-η components δk = σ_p ∂k_reco/∂p = σ_A k, −σ_e k², q σ_M at k = k_g, plus a
Z-closure scale δk = σ_closure k; all act only in their own η bin ("diagonal", labels
``"A@eta"`` …). Muons without a generator match get weight 1.

The explicit validation ("refill") shifts the reconstructed pT itself, pT → pT / (1 ± s).
With a calibration correctionlib file (``histogram.calibration.file``) the correction
``pt_corrected(pt, eta, charge)`` is applied to every muon before the selection (data and
simulation), and ``scale_sigma(eta, param)`` (param A, e, M, closure) replaces the config sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, cast

import numpy as np

from wmass.muon.curvature import CURVATURE_PARAMS, curvature_derivatives

if TYPE_CHECKING:
    import correctionlib  # for the annotations: _corrections imports it when it first reads a file

__all__ = ["RESOLUTION_LABELS", "SCALE_LABELS", "corrected_pt", "resolution_shifts", "scale_shifts"]

#: The scale components: the calibration parameters A, e (= ε), M and the Z-closure scale.
SCALE_PARAMS = (*CURVATURE_PARAMS, "closure")
SCALE_LABELS = [f"{p}@eta" for p in SCALE_PARAMS]
RESOLUTION_LABELS = ["resolution@eta"]
PULL_MAX = 5.0


@lru_cache(maxsize=4)
def _corrections(path: str) -> correctionlib.CorrectionSet:
    import correctionlib

    return correctionlib.CorrectionSet.from_file(path)


def corrected_pt(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, path: str | None) -> np.ndarray:
    """Calibrated muon pT (unchanged without a calibration file)."""
    if path is None:
        return pt
    # correctionlib evaluates array arguments to an array
    return cast(np.ndarray, _corrections(path)["pt_corrected"].evaluate(pt, eta, charge.astype(np.float64)))


def _pull(pt: np.ndarray, gen_pt: np.ndarray, eta: np.ndarray, poly: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clipped pull, σ_k, k_g); pull 0 where there is no generator match."""
    k, kg = 1.0 / pt, 1.0 / np.where(np.isfinite(gen_pt) & (gen_pt > 0), gen_pt, pt)
    sigma = kg * np.polynomial.polynomial.polyval(np.abs(eta), poly)
    pull = np.where(np.isfinite(gen_pt), np.clip((k - kg) / sigma, -PULL_MAX, PULL_MAX), 0.0)
    return pull, sigma, kg


def _sizes(eta: np.ndarray, sigma: Mapping[str, float], path: str | None) -> dict[str, np.ndarray]:
    if path is None:
        return {p: np.full(eta.shape, sigma[p]) for p in SCALE_PARAMS}
    corr = _corrections(path)["scale_sigma"]
    return {p: cast(np.ndarray, corr.evaluate(eta, p)) for p in SCALE_PARAMS}  # array in, array out


def scale_shifts(
    pt: np.ndarray, gen_pt: np.ndarray, eta: np.ndarray, charge: np.ndarray,
    sigma: Mapping[str, float], poly: tuple[float, ...], path: str | None,
) -> np.ndarray:
    """[n, 4] relative weight shifts (w/w₀ − 1) of the A, e, M and closure components.

    δk of each component: its size times ∂k_reco/∂(A, ε, M) = (k_g, −k_g², q); closure: σ_closure k_g.
    """
    pull, sigma_k, kg = _pull(pt, gen_pt, eta, poly)
    size = _sizes(eta, sigma, path)
    dk_da, dk_de, dk_dm = curvature_derivatives(kg, charge)
    dk = np.stack([size["A"] * dk_da, size["e"] * dk_de, size["M"] * dk_dm, size["closure"] * dk_da], axis=1)
    return dk * (pull / sigma_k)[:, None]


def resolution_shifts(pt: np.ndarray, gen_pt: np.ndarray, eta: np.ndarray, rel: float, poly: tuple[float, ...]) -> np.ndarray:
    """[n, 1] relative weight shift for σ_k → σ_k (1 + rel)."""
    pull, _, _ = _pull(pt, gen_pt, eta, poly)
    return (rel * np.where(np.isfinite(gen_pt), pull**2 - 1.0, 0.0))[:, None]
