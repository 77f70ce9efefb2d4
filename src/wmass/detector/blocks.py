"""The base of the detector's parameter dataclasses whose config block is a flat set of numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Self

__all__ = ["FloatBlock"]


class FloatBlock:
    """A frozen dataclass built from a config block holding one number per field (same names)."""

    @classmethod
    def from_config(cls, block: Mapping[str, Any]) -> Self:
        """From the validated config block: every field read as a float."""
        return cls(**{f.name: float(block[f.name]) for f in fields(cls)})  # type: ignore[arg-type]
