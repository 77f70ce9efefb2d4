"""Provenance metadata carried by every output file (as CMS does): who made it, from what."""

from __future__ import annotations

import datetime as _dt
import functools
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wmass import __version__

__all__ = ["git_commit", "provenance"]


@functools.cache
def git_commit() -> str:
    """Commit of the source tree the package runs from ("+dirty" when modified), or "unknown"."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def provenance(
    stage: str,
    config_hash: str,
    seeds: Mapping[str, Any] | None = None,
    argv: Sequence[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata dict stored in an output file: stage, config hash, version, commit, command, seeds.

    Deliberately excludes the creation time from anything hashed or compared bit-for-bit: it is
    stored under ``created`` so two runs of the same config differ only there.
    """
    return {
        "stage": stage,
        "config_hash": config_hash,
        "wmass_version": __version__,
        "git_commit": git_commit(),
        "command": " ".join(sys.argv if argv is None else argv),
        "python": platform.python_version(),
        "seeds": dict(seeds or {}),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **extra,
    }
