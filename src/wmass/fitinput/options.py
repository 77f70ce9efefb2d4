"""Typed, frozen options of the fit-input stage, built from the validated ``fitinput`` config block.

The library never reads the raw configuration: :func:`options_from_config` is the only bridge, and it
also records the hash of the ``histogram`` stage so that every histogram file can be checked against
the configuration it must have been made with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wmass.config import stage_hash

__all__ = ["FitInputOptions", "options_from_config"]


@dataclass(frozen=True)
class FitInputOptions:
    """Everything :func:`wmass.fitinput.assemble_fit_input` needs besides the histogram files.

    See ``fitinput`` in the configuration schema for the meaning of each field. ``histogram_hash``
    (when set) is the config hash every histogram file must carry; ``config_hash`` is the hash of the
    fitinput stage, stored in the output's provenance.
    """

    processes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "mw": ("wplus", "wminus", "wtaunu", "zmumu", "ztautau", "rare", "qcd"),
        "wlike": ("zmumu", "ztautau", "rare"),
        "dilepton": ("zmumu", "ztautau", "rare"),
    })
    lumi_uncertainty: float = 0.012
    norm_uncertainties: Mapping[str, float] = field(default_factory=lambda: {
        "wtaunu": 0.03, "zmumu": 0.03, "ztautau": 0.03, "rare": 0.1})
    nonprompt_prior: float = 0.5
    mass_shift_mev: float = 100.0
    other_mass_uncertainty_mev: Mapping[str, float] = field(default_factory=lambda: {"W": 13.3, "Z": 2.1})
    mass_smoothing: str = "none"
    signal_strength: str = "none"
    include_groups: tuple[str, ...] | None = None
    exclude_groups: tuple[str, ...] = ("muon_scale_refill",)
    symmetrize: str | None = None
    storage: str = "sparse"
    empty_bins: str = "one_event"
    histogram_hash: str | None = None
    config_hash: str = ""

    def use_group(self, group: str) -> bool:
        """True when the systematic histogram group ``group`` becomes nuisances."""
        if group in self.exclude_groups:
            return False
        return self.include_groups is None or group in self.include_groups

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable view (stored in the fit input's metadata)."""
        return {
            "processes": {k: list(v) for k, v in self.processes.items()},
            "lumi_uncertainty": self.lumi_uncertainty, "norm_uncertainties": dict(self.norm_uncertainties),
            "nonprompt_prior": self.nonprompt_prior, "mass_shift_mev": self.mass_shift_mev,
            "other_mass_uncertainty_mev": dict(self.other_mass_uncertainty_mev),
            "mass_smoothing": self.mass_smoothing,
            "signal_strength": self.signal_strength,
            "include_groups": None if self.include_groups is None else list(self.include_groups),
            "exclude_groups": list(self.exclude_groups), "symmetrize": self.symmetrize, "storage": self.storage,
            "empty_bins": self.empty_bins,
            "histogram_hash": self.histogram_hash, "config_hash": self.config_hash,
        }


def options_from_config(cfg: Mapping[str, Any]) -> FitInputOptions:
    """Options from a validated configuration (its ``fitinput`` block and the stage hashes)."""
    block = cfg["fitinput"]
    include = block["include_groups"]
    return FitInputOptions(
        processes={a: tuple(p) for a, p in block["processes"].items()},
        lumi_uncertainty=float(block["lumi_uncertainty"]),
        norm_uncertainties={p: float(u) for p, u in block["norm_uncertainties"].items()},
        nonprompt_prior=float(block["nonprompt_prior"]),
        mass_shift_mev=float(block["mass_shift_mev"]),
        other_mass_uncertainty_mev={b: float(u) for b, u in block["other_mass_uncertainty_mev"].items()},
        mass_smoothing=str(block["mass_smoothing"]),
        signal_strength=str(block["signal_strength"]),
        include_groups=None if include is None else tuple(include),
        exclude_groups=tuple(block["exclude_groups"]),
        symmetrize=block["symmetrize"],
        storage=str(block["storage"]),
        empty_bins=str(block["empty_bins"]),
        histogram_hash=stage_hash(cfg, "histogram"),
        config_hash=stage_hash(cfg, "fitinput"),
    )
