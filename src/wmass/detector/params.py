"""The typed, frozen parameters of the detector model, built once from a validated ``detector`` block.

The generate stage builds :class:`DetectorParams` at its edge (the config's ``detector`` block for
simulation, the hidden pseudo-data truth deep-merged onto it for data) and passes it to
:func:`wmass.detector.simulate.simulate`; the physics functions take its parts or plain numbers.
Per-η parameters (curvature bias, resolution) are given in the config as polynomial coefficients
in η and evaluated at the bin centres of :mod:`wmass.muon.binning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wmass.detector.efficiency import EfficiencyParams, efficiencies_from_config
from wmass.detector.identification import ImpactParameterParams
from wmass.detector.isolation import IsolationParams
from wmass.detector.pileup import BeamSpot, PileupParams
from wmass.detector.recoil import RecoilParams
from wmass.detector.trigger import TriggerParams
from wmass.detector.vetoes import ElectronParams
from wmass.muon.curvature import CurvatureBias, Resolution

__all__ = ["DetectorParams"]


@dataclass(frozen=True)
class DetectorParams:
    """Everything :func:`~wmass.detector.simulate.simulate` needs besides the truth and the random stream."""

    min_pt: float  #: GeV, true pT below which a muon is not reconstructed
    angular_resolution: float  #: Gaussian σ of η and φ
    standalone_resolution: float  #: relative pT resolution of the muon system alone
    curvature: CurvatureBias
    resolution: Resolution
    efficiency: Mapping[str, EfficiencyParams]  #: step (wmass.muon.efficiency.STEPS) → parameters
    isolation: IsolationParams
    impact_parameter: ImpactParameterParams
    pileup: PileupParams
    beamspot: BeamSpot
    recoil: RecoilParams
    electrons: ElectronParams
    trigger: TriggerParams

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> DetectorParams:
        """From a validated ``detector`` config block (every key present, as the schema's defaults fill it)."""
        curv, res = block["curvature"], block["resolution"]
        return cls(
            min_pt=float(block["min_pt"]),
            angular_resolution=float(block["angular_resolution"]),
            standalone_resolution=float(block["standalone_resolution"]),
            curvature=CurvatureBias.from_polynomials(curv["A"], curv["epsilon"], curv["M"]),
            resolution=Resolution.from_polynomials(res["a"], res["b"], res["c"], res["d"]),
            efficiency=efficiencies_from_config(block["efficiency"]),
            isolation=IsolationParams.from_config(block["isolation"]),
            impact_parameter=ImpactParameterParams.from_config(block["impact_parameter"]),
            pileup=PileupParams.from_config(block["pileup"]),
            beamspot=BeamSpot.from_config(block["beamspot"]),
            recoil=RecoilParams.from_config(block["recoil"]),
            electrons=ElectronParams.from_config(block["electrons"]),
            trigger=TriggerParams.from_config(block["trigger"]),
        )
