"""Published m_W measurements and the electroweak-fit prediction (MeV) for the summary figure.

Each entry: label, central value, total uncertainty, citation. Listed top to bottom as drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Measurement", "MW_REFERENCES"]


@dataclass(frozen=True)
class Measurement:
    """A published m_W value (MeV) with its total uncertainty and its source."""

    label: str
    value_mev: float
    error_mev: float
    citation: str


MW_REFERENCES: tuple[Measurement, ...] = (
    Measurement("EW fit", 80353.0, 6.0,
                "global electroweak fit, J. Erler and A. Freitas in S. Navas et al. (Particle Data Group), "
                "Phys. Rev. D 110 (2024) 030001"),
    Measurement("D0 2012", 80375.0, 23.0, "D0 Collaboration, Phys. Rev. Lett. 108 (2012) 151804"),
    Measurement("CDF 2022", 80433.5, 9.4, "CDF Collaboration, Science 376 (2022) 170"),
    Measurement("LHCb 2022", 80354.0, 32.0, "LHCb Collaboration, JHEP 01 (2022) 036"),
    Measurement("ATLAS 2024", 80366.5, 15.9, "ATLAS Collaboration, Eur. Phys. J. C 84 (2024) 1309, arXiv:2403.15085"),
    Measurement("CMS 2024", 80360.2, 9.9, "CMS Collaboration, CMS-PAS-SMP-23-002, arXiv:2412.13872"),
)
