"""The typed, frozen options of the processors, built from the validated ``histogram`` config block.

Processors take an :class:`Options` (never the raw config or an argparse namespace), so they are
stateless and picklable for every executor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wmass.analyses.muonscale import SCALE_PARAMS

__all__ = ["GROUPS", "Options", "THEORY_GROUPS", "options_from_config"]

#: Systematic groups filled from generator weight arrays (NanoAOD branches).
THEORY_GROUPS = ("mass", "width", "pdf", "pdf_alt", "ptv", "angular", "qed_fsr")
#: Systematic groups computed in the processors from the muons (the per-muon weight shifts of
#: common.PER_MUON_GROUPS, the lost-muon veto and the pT-refill validation).
MUON_GROUPS = ("eff_stat", "eff_syst", "eff_veto", "muon_scale", "muon_resolution", "muon_scale_refill")
#: All systematic groups, in output order.
GROUPS = THEORY_GROUPS + MUON_GROUPS


@dataclass(frozen=True)
class Options:
    """Everything a processor needs besides the events (see ``histogram`` in the config schema)."""

    is_mc: bool = True
    theory: bool = False  #: fill the theory groups (V-boson simulation carrying the weight arrays)
    groups: frozenset[str] = frozenset()  #: systematic groups switched on
    weight_scale: float = 1.0  #: power of two, the typical |genWeight| (exact summation, see fill.py)
    triggers: tuple[str, ...] = ("IsoMu24", "IsoTkMu24")
    trigger_bits: int = 10
    allow_missing: frozenset[str] = frozenset()
    non_finite: str = "error"  #: NaN/inf in a physics input: "error" or "drop" the event (inputs.read_events)
    wlike_even_charge: int = 1
    weight_branches: Mapping[str, str] = field(default_factory=dict)
    weight_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  #: branch → column labels (sidecar)
    angular_ptv_edges: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0, 40.0, 80.0, 13000.0)
    eff_stat_eigen: Mapping[str, int] = field(default_factory=lambda: {"tracking": 3, "reco": 3, "idip": 8, "trigger": 9, "iso": 9})
    eff_charge_split: frozenset[str] = frozenset({"idip", "trigger", "iso"})
    eff_stat_size: float = 1e-3
    eff_syst_size: float = 2e-3
    veto_eigen: int = 5
    veto_size: float = 0.02
    efficiency_file: str | None = None
    calibration_file: str | None = None
    scale_sigma: Mapping[str, float] = field(default_factory=lambda: {"A": 2.1e-5, "e": 2.1e-5, "M": 2.1e-7, "closure": 1e-5})
    resolution_poly: tuple[float, ...] = (0.009, 0.0, 0.003)
    resolution_rel_size: float = 0.02
    refill_scale: float = 1e-3

    def on(self, group: str) -> bool:
        """True when ``group`` is filled for this sample (theory groups only for V-boson simulation)."""
        if not self.is_mc or group not in self.groups:
            return False
        return self.theory or group not in THEORY_GROUPS


def options_from_config(
    cfg: Mapping[str, Any], *, is_mc: bool, theory: bool, weight_scale: float = 1.0,
    weight_labels: Mapping[str, Any] | None = None,
) -> Options:
    """Options from the validated configuration (``histogram`` block; the A_i pT^V bins of ``generator.angular``).

    ``weight_labels`` (branch → labels of its columns) comes from the NanoAOD sidecar JSON.
    """
    block = cfg["histogram"]
    eff, cal = block["efficiency"], block["calibration"]
    return Options(
        is_mc=is_mc,
        theory=theory,
        groups=frozenset(g for g, on in block["systematics"].items() if on),
        weight_scale=weight_scale,
        triggers=tuple(block["triggers"]),
        trigger_bits=int(block["trigger_filter_bits"]),
        allow_missing=frozenset(block["allow_missing"]),
        non_finite=str(block["non_finite"]),
        wlike_even_charge=int(block["wlike_even_charge"]),
        weight_branches=dict(block["weight_branches"]),
        weight_labels={k: tuple(v) for k, v in (weight_labels or {}).items()},
        angular_ptv_edges=tuple(float(x) for x in cfg["generator"]["angular"]["ptv_bins_gev"]),
        eff_stat_eigen=dict(eff["stat_eigen"]),
        eff_charge_split=frozenset(eff["charge_split"]),
        eff_stat_size=float(eff["stat_size"]),
        eff_syst_size=float(eff["syst_size"]),
        veto_eigen=int(eff["veto_eigen"]),
        veto_size=float(eff["veto_size"]),
        efficiency_file=eff["file"],
        calibration_file=cal["file"],
        scale_sigma={k: float(cal[f"sigma_{k}"]) for k in SCALE_PARAMS},
        resolution_poly=tuple(float(x) for x in cal["resolution_poly"]),
        resolution_rel_size=float(cal["resolution_rel_size"]),
        refill_scale=float(cal["refill_scale"]),
    )
