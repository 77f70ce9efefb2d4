"""Physics constants in one place (PDG values from the pinned `particle` package), in GeV."""

from __future__ import annotations

from particle import Particle

__all__ = ["GAMMA_W", "GAMMA_Z", "M_JPSI", "M_MU", "M_W", "M_W_ERR", "M_Z", "M_Z_ERR", "M_Z_LEP", "M_Z_LEP_ERR", "SQRT_S"]


def _mass(pdgid: int) -> float:
    """The PDG mass of `pdgid` in GeV; an error if the `particle` table has none."""
    mass = Particle.from_pdgid(pdgid).mass
    if mass is None:
        raise ValueError(f"the particle table has no mass for PDG id {pdgid}")
    return mass / 1000.0


def _mass_width(pdgid: int) -> tuple[float, float]:
    p = Particle.from_pdgid(pdgid)
    return _mass(pdgid), (p.width or 0.0) / 1000.0


def _mass_error(pdgid: int) -> float:
    p = Particle.from_pdgid(pdgid)
    return max(p.mass_upper or 0.0, p.mass_lower or 0.0) / 1000.0


M_W, GAMMA_W = _mass_width(24)
M_Z, GAMMA_Z = _mass_width(23)
M_MU = _mass(13)
M_JPSI = _mass(443)
#: PDG uncertainties of the masses above (GeV).
M_W_ERR, M_Z_ERR = _mass_error(24), _mass_error(23)
#: LEP m_Z and its uncertainty (GeV; ALEPH, DELPHI, L3, OPAL, SLD, Phys. Rept. 427 (2006) 257), the
#: reference of the dilepton check of the sequential unblinding (DESIGN.md section 8).
M_Z_LEP, M_Z_LEP_ERR = 91.1875, 0.0021
#: LHC Run 2 centre-of-mass energy (GeV).
SQRT_S = 13000.0
