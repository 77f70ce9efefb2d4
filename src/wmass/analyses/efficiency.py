"""Muon efficiency scale factors and their statistical ("eigen") and systematic variations.

Steps as in the tag-and-probe chain (:data:`wmass.muon.efficiency.STEPS`): tracking, reco, idip,
trigger, iso. Each step's scale factor in an (η bin, charge) cell is a smooth function of pT whose
fit has ``n`` uncorrelated eigen-components; component j shifts the SF by the relative amount
δ_j(pT). A component therefore acts only inside its own (η, q) cell (η only for steps not split by
charge): stored "diagonally" as one axis of components on the (η, pT, q) histogram and expanded
into 48 (× 2) nuisances per component by the fit input (DESIGN.md section 6). Component labels say
which axes they decorrelate along: ``"idip_eig3@eta:charge"``, ``"tracking_eig0@eta"``.

With a correctionlib file (``histogram.efficiency.file``; results/efficiency/sf.json of the
efficiency stage) the corrections are ``sf_<step>(eta, pt, charge)`` (nominal SF),
``sf_<step>_stat(eta, pt, charge, eigen)`` and ``sf_<step>_syst(eta, pt, charge)`` (relative 1σ
shifts). Without one the nominal SF is 1 and the components are orthogonal Legendre shapes in pT,
δ_j = size · P_j(x), x = 2 (pT − 26)/(60 − 26) − 1 clipped to [−1, 1] (the smoothing basis of
:mod:`wmass.muon.efficiency`: the shape of the eigen-variations of a polynomial fit in pT with
uncorrelated errors), and the systematic shift a constant ``syst_size`` per step: the nuisance
structure is complete, its sizes come from config.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from wmass.muon.efficiency import STEPS, legendre, unit_pt

if TYPE_CHECKING:
    import correctionlib  # for the annotations: _corrections imports it when it first reads a file

__all__ = ["STEPS", "component_labels", "scale_factors", "stat_shifts", "syst_labels", "syst_shifts"]


def _cells(step: str, split: frozenset[str]) -> str:
    return "eta:charge" if step in split else "eta"


def component_labels(eigen: Mapping[str, int], split: frozenset[str]) -> list[str]:
    """Labels of the statistical eigen-components, step by step (without "nominal")."""
    return [f"{s}_eig{j}@{_cells(s, split)}" for s in STEPS for j in range(int(eigen.get(s, 0)))]


def syst_labels(split: frozenset[str]) -> list[str]:
    """Labels of the per-step systematic components (without "nominal")."""
    return [f"{s}_syst@{_cells(s, split)}" for s in STEPS]


@lru_cache(maxsize=4)
def _corrections(path: str) -> correctionlib.CorrectionSet:
    import correctionlib

    return correctionlib.CorrectionSet.from_file(path)


def scale_factors(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, path: str | None) -> np.ndarray:
    """Product over the steps of the nominal SF of each muon (1 without a file)."""
    if path is None:
        return np.ones(pt.shape)
    cs = _corrections(path)
    sf = np.ones(pt.shape)
    for step in STEPS:
        sf *= cs[f"sf_{step}"].evaluate(eta, pt, charge.astype(np.float64))
    return sf


def stat_shifts(
    pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, eigen: Mapping[str, int], size: float, path: str | None
) -> np.ndarray:
    """[n, C] relative SF shifts of the C statistical components (order of :func:`component_labels`)."""
    cols = []
    x = unit_pt(pt)
    for step in STEPS:
        n = int(eigen.get(step, 0))
        if n == 0:
            continue
        if path is None:
            cols.append(size * legendre(x, n))
        else:
            corr = _corrections(path)[f"sf_{step}_stat"]
            q = charge.astype(np.float64)
            cols.append(np.stack([corr.evaluate(eta, pt, q, np.full(pt.shape, j)) for j in range(n)], axis=1))
    return np.concatenate(cols, axis=1) if cols else np.zeros((pt.size, 0))


def syst_shifts(pt: np.ndarray, eta: np.ndarray, charge: np.ndarray, size: float, path: str | None) -> np.ndarray:
    """[n, 5] relative SF shifts of the per-step systematic components."""
    if path is None:
        return np.full((pt.size, len(STEPS)), size)
    cs = _corrections(path)
    q = charge.astype(np.float64)
    return np.stack([cs[f"sf_{s}_syst"].evaluate(eta, pt, q) for s in STEPS], axis=1)
