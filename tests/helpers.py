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


def assert_branches_on_disk(on_disk: dict, branches: dict) -> None:
    """Every in-memory NanoAOD branch (flat, jagged or record) equals its columns read back from the file."""
    import awkward as ak

    from wmass.nanoaod.writer import to_awkward

    for name, value in branches.items():
        mem = to_awkward(value)
        fields = mem.fields if isinstance(mem, ak.Array) and mem.fields else [None]
        for field in fields:
            key = name if field is None else f"{name}_{field}"
            assert ak.array_equal(on_disk[key], mem if field is None else mem[field]), key
