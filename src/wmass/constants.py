"""Physics constants in one place (PDG values from the pinned `particle` package), in GeV."""

from __future__ import annotations

from particle import Particle

__all__ = ["GAMMA_W", "GAMMA_Z", "M_JPSI", "M_MU", "M_W", "M_Z", "M_Z_LEP", "SQRT_S"]


def _mass_width(pdgid: int) -> tuple[float, float]:
    p = Particle.from_pdgid(pdgid)
    return p.mass / 1000.0, (p.width or 0.0) / 1000.0


M_W, GAMMA_W = _mass_width(24)
M_Z, GAMMA_Z = _mass_width(23)
M_MU = Particle.from_pdgid(13).mass / 1000.0
M_JPSI = Particle.from_pdgid(443).mass / 1000.0
#: LEP m_Z (PDG fit, GeV), the reference of the sequential unblinding (DESIGN.md section 8).
M_Z_LEP = M_Z
#: LHC Run 2 centre-of-mass energy (GeV).
SQRT_S = 13000.0
