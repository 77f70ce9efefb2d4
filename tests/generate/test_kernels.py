"""Compiled helpers of the generator: np.interp's results bit for bit, the allocator settings."""

from __future__ import annotations

import numpy as np

from wmass.generate.memory import keep_freed_memory
from wmass.interp import interp


def test_interp_is_np_interp_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    grid = np.linspace(0.0, 1.0, 4097)
    tables = [(2.0 * grid**3 - grid**4, grid),  # steep and flat parts (the Michel CDF)
              (np.array([0.0, 0.0, 0.3, 0.3, 1.0]), np.array([1.0, 2.0, 3.0, 4.0, 5.0])),  # repeated nodes
              (np.array([0.5]), np.array([2.0]))]
    for xp, fp in tables:
        x = np.concatenate([rng.random(20_000), xp, [-1.0, 0.0, 1.0, 2.0]])
        np.testing.assert_array_equal(interp(x, xp, fp), np.interp(x, xp, fp))


def test_keep_freed_memory_is_idempotent() -> None:
    first = keep_freed_memory()
    assert isinstance(first, bool) and keep_freed_memory() is first
