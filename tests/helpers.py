"""Helpers shared by tests (importable as tests.helpers)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


#: The configuration of the shared tiny run (conftest.tiny_workflow_run): tiny, no gate opened.
TINY_BLINDED_CONFIG = ("--config", "size=tiny", "unblinding={through: none}")


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow's wiring (Snakefile, workflow/, config/, profiles/, envs/) into ``dest``."""
    for item in ("Snakefile", "workflow", "config", "profiles", "envs"):
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, dest / item, symlinks=True)
        else:
            shutil.copy2(src, dest / item)
    # The schema link points into src/: make it a real file in the copy.
    link = dest / "workflow" / "schemas" / "config.schema.yaml"
    link.unlink()
    shutil.copy2(REPO / "src" / "wmass" / "schemas" / "config.schema.yaml", link)
    return dest


def shared_data() -> Path:
    """Folder of the real CMS test files: $WMASS_SHARED_DATA, else ../shared/data beside the clone."""
    import os

    env = os.environ.get("WMASS_SHARED_DATA")
    if env:
        return Path(env)
    beside = REPO.parent / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")


def planned_jobs(output: str) -> dict[str, int]:
    """Parse Snakemake's 'Job stats' table of a dry run into {rule: count}."""
    table = output.split("Job stats:")[-1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m.group(1) != "total"}
