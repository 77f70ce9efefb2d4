"""Deterministic random streams: every random number derives from (seed, sample, chunk, event).

One counter-based Philox stream per (seed, sample, chunk); events are drawn in order inside it, so
the same configuration gives bit-identical output, and distinct chunks or samples are independent
streams (NumPy's SeedSequence hashing of the full key).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["chunk_rng", "sample_key"]


def sample_key(sample: str) -> int:
    """A stable 64-bit integer for a sample name (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(sample.encode()).digest()[:8], "little")


def chunk_rng(seed: int, sample: str, chunk: int, stream: int = 0) -> np.random.Generator:
    """Generator for chunk ``chunk`` of ``sample``; ``stream`` separates independent uses (truth, detector...)."""
    if seed < 0 or chunk < 0 or stream < 0:
        raise ValueError(f"seed, chunk and stream must be non-negative, got {seed}, {chunk}, {stream}")
    ss = np.random.SeedSequence([seed, sample_key(sample), chunk, stream])
    return np.random.Generator(np.random.Philox(ss))
