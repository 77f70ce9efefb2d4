"""The code's own checks, run by `make test`: import layers (import-linter), ruff, mypy.

The layers are declared in pyproject.toml ([tool.importlinter]): no module imports from a layer
above its own, and building a fit input or planning the workflow never imports coffea, awkward,
numba or uproot.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess:
    exe = BIN / cmd[0]
    if not exe.exists():
        pytest.fail(f"{cmd[0]} is not installed in {BIN} (envs/requirements.txt pins it)")
    return subprocess.run([str(exe), *cmd[1:]], cwd=REPO, capture_output=True, text=True, timeout=900)


def test_import_layers_hold():
    res = _run("lint-imports", "--no-cache")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


def test_ruff_is_clean():
    res = _run("ruff", "check", "src", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]


def test_mypy_is_clean():
    res = _run("mypy", "src/wmass")
    assert res.returncode == 0, res.stdout[-8000:] + res.stderr[-2000:]
