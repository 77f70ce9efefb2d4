"""Errors that name the bad input and what is wrong with it."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """An input file is missing, corrupt, of the wrong schema or holds invalid values (NaN...)."""
