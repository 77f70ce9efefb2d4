"""Fixtures of the fit tests: float64 for every test, small synthetic inputs."""

from __future__ import annotations

import jax
import pytest

from tests.fit.synthetic import synthetic_input


@pytest.fixture(autouse=True)
def _x64():
    with jax.enable_x64(True):
        yield


@pytest.fixture(scope="session")
def tiny():
    """3 η × 4 pT × 2 charges, 4 processes, 12 systematics (asymmetric), sparse."""
    return synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, seed=3, asymmetric=True)


@pytest.fixture(scope="session")
def small():
    """6 × 8 × 2 bins, 5 processes, 30 systematics, sparse, symmetric."""
    return synthetic_input(nsyst=30, neta=6, npt=8, nproc=5, seed=5)
