"""Blinding of the measured masses (DESIGN.md section 8).

Each unblinding stage of :mod:`wmass.registry` (``dilepton``: m_Z from m_μμ; ``wlike``: m_Z from
single muons of Z events, both charge splits; ``mw``: m_W) has its own secret offset, derived from the configuration's
``blinding.secret`` string with HMAC-SHA256 keyed by the secret over "<stage>/<parameter>". Its
magnitude is uniform in [½, 1] × ``blinding.range_mev`` (so it is never negligibly small), its
sign is another bit of the same digest. The two W-like fits share one offset, so their blinded
values can be compared with each other before unblinding. A fit that the registry declares
unblinded (``Fit.stage`` None: calibration-type fits) has no offset; a fit the registry does not
know is blinded with an offset of its own (fail-safe: nothing unknown comes out unblinded).

Until a stage is unblinded, every value of its mass parameter that leaves the fit is
raw + offset; the raw value and the offset themselves are written nowhere (no file, log, figure or
exception message). Nothing here prints: callers get numbers and must not show them. The fit itself
starts from the nominal point, never from the offset.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from wmass import registry

__all__ = ["fit_offset", "noi_offset", "offset_mev", "stage_of_fit"]


def stage_of_fit(fit: str) -> str | None:
    """The blinding stage of ``fit``: its registry stage, None when declared unblinded, itself when unknown."""
    if fit not in registry.FITS:
        return fit
    return registry.fit(fit).stage


def offset_mev(secret: str, stage: str, parameter: str, range_mev: float) -> float:
    """The secret offset (MeV) added to ``parameter`` of ``stage``: |offset| in [range/2, range].

    Deterministic in (secret, stage, parameter); HMAC-SHA256, so the offset cannot be guessed
    without the secret and offsets of different stages are unrelated.
    """
    if not secret:
        raise ValueError("blinding.secret is empty")
    if not range_mev > 0:
        raise ValueError(f"blinding.range_mev must be positive, got {range_mev!r}")
    digest = hmac.new(secret.encode(), f"{stage}/{parameter}".encode(), hashlib.sha256).digest()
    u = int.from_bytes(digest[:8], "little") / 2**64
    sign = 1.0 if digest[8] & 1 else -1.0
    return sign * range_mev * (0.5 + 0.5 * u)


def noi_offset(blinding: Mapping[str, Any], stage: str, units_mev: float) -> Callable[[str], float]:
    """name → offset in the units of the fit's nuisances of interest (``units_mev`` MeV per unit).

    ``blinding`` is the configuration's ``blinding`` block (``secret``, ``range_mev``).
    """
    if not units_mev > 0:
        raise ValueError(f"the mass parameter's unit must be positive, got {units_mev!r} MeV")

    def offset(name: str) -> float:
        return offset_mev(blinding["secret"], stage, name, float(blinding["range_mev"])) / units_mev

    return offset


def fit_offset(blinding: Mapping[str, Any], fit: str, units_mev: float) -> Callable[[str], float] | None:
    """The offset function of ``fit``'s nuisances of interest, or None when the fit is unblinded by declaration."""
    stage = stage_of_fit(fit)
    return None if stage is None else noi_offset(blinding, stage, units_mev)
