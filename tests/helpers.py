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


def h5_digest(path: Path) -> str:
    """SHA-256 of every dataset of an HDF5 file (name, dtype, shape, bytes); attributes (provenance) left out."""
    import hashlib

    import h5py
    import numpy as np

    sha = hashlib.sha256()

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            data = obj[()]
            sha.update(f"{name}|{obj.dtype}|{obj.shape}|".encode())
            if obj.dtype.kind == "O":
                sha.update(repr(np.asarray(data).tolist()).encode())
            else:
                sha.update(np.ascontiguousarray(data).tobytes())

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return sha.hexdigest()


def fit_numbers(result: dict) -> dict:
    """The numbers of a result.json that a refactoring must not change (values as written, blinded or not).

    The nuisances of interest in full; the other parameters by their names' digest and the sums of
    their values, squared values and errors (a change of any one of them changes a sum).
    """
    import hashlib

    import numpy as np

    params = result["parameters"]
    other = [p for p in params if p.get("kind") != "noi"]
    values = np.array([p.get("value", 0.0) for p in other], dtype=float)
    errors = np.array([p.get("error", 0.0) for p in other], dtype=float)
    return {
        "noi": {p["name"]: [p.get("value"), p.get("error")] for p in params if p.get("kind") == "noi"},
        "parameters": {"names_sha256": hashlib.sha256("\n".join(p["name"] for p in other).encode()).hexdigest(),
                       "n": len(other), "sum_value": float(values.sum()), "sum_value2": float((values**2).sum()),
                       "sum_error": float(errors.sum())},
        "nll": result["minimizer"]["nll"],
        "gof": {k: result["gof"][k] for k in ("chi2", "ndf", "p_value")},
        "impacts": result.get("impacts"),
        "global_impacts": result.get("global_impacts"),
    }


def report_tables(index_html: str) -> list[str]:
    """The HTML tables of the report, in order, without their wall-clock columns ("Time (s)")."""
    return [_without_column(t, "Time (s)") for t in re.findall(r"<table.*?</table>", index_html, re.S)]


def _without_column(table: str, title: str) -> str:
    """``table`` without the column headed ``title`` (unchanged when it has none)."""
    header = re.findall(r"<th>(.*?)</th>", table)
    if title not in header:
        return table
    col = header.index(title)

    def drop(row: re.Match) -> str:
        tag = "th" if "<th>" in row.group(0) else "td"
        cells = re.findall(rf"<{tag}>.*?</{tag}>", row.group(0))
        return row.group(0).replace("".join(cells), "".join(c for i, c in enumerate(cells) if i != col))

    return re.sub(r"<tr>.*?</tr>", drop, table)


def run_outputs(work: Path) -> dict:
    """What a workflow run produced, reduced to what must not change: digests of the merged histograms and
    fit inputs, the numbers of every fit, the report's tables."""
    import json

    out: dict = {"hists": {}, "fitinputs": {}, "fits": {}}
    for path in sorted((work / "hists").glob("*/*.h5")):
        out["hists"][f"{path.parent.name}/{path.name}"] = h5_digest(path)
    for path in sorted((work / "fit").glob("*/input.h5")):
        out["fitinputs"][path.parent.name] = h5_digest(path)
    for path in sorted((work / "fit").glob("*/result.json")):
        out["fits"][path.parent.name] = fit_numbers(json.loads(path.read_text()))
    index = work / "report" / "index.html"
    out["report_tables"] = report_tables(index.read_text()) if index.is_file() else []
    return out
