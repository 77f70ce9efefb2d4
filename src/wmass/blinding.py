"""Blinding of the measured masses (DESIGN.md section 8).

Each unblinding stage (``dilepton``: m_Z from m_μμ; ``wlike``: m_Z from single muons of Z events,
both charge splits; ``mw``: m_W) has its own secret offset, derived from the configuration's
``blinding.secret`` string with HMAC-SHA256 keyed by the secret over "<stage>/<parameter>". Its
magnitude is uniform in [½, 1] × ``blinding.range_mev`` (so it is never negligibly small), its
sign is another bit of the same digest. The two W-like fits share one offset, so their blinded
values can be compared with each other before unblinding.

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

__all__ = ["FIT_STAGE", "noi_offset", "offset_mev", "stage_of_fit"]

#: The unblinding stage each fit belongs to (its blinding offset and its gate).
FIT_STAGE: dict[str, str] = {"dilepton": "dilepton", "wlike": "wlike", "wlike_flipped": "wlike", "mw": "mw"}


def stage_of_fit(fit: str) -> str:
    """The unblinding stage of ``fit`` (an analysis name); an unknown fit is its own stage."""
    return FIT_STAGE.get(fit, fit)


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
