"""Shared fixtures: the repository root, a tiny configuration, the venv's executables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def base_config() -> dict:
    """The repository's config/config.yaml as a dict (not validated)."""
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


@pytest.fixture(scope="session")
def tool_env() -> dict[str, str]:
    """Environment in which `wmass` and `snakemake` of this interpreter's venv come first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("JAX_PLATFORMS", "cpu")
    return env


@pytest.fixture(scope="session")
def tiny_workflow_run(tmp_path_factory, tool_env) -> Path:
    """The whole workflow at size tiny, blinded (no gate runs), once per test session with the CI profile.

    Shared by the workflow tests and the SLURM comparison; tests that modify it restore it, tests
    that unblind work on a copy.
    """
    import subprocess

    from tests.helpers import TINY_BLINDED_CONFIG, copy_workflow

    work = copy_workflow(tmp_path_factory.mktemp("tiny_workflow"))
    res = subprocess.run(
        ["snakemake", "--profile", "profiles/ci", *TINY_BLINDED_CONFIG],
        cwd=work, env=tool_env, capture_output=True, text=True, timeout=3600,
    )
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-6000:]
    return work
