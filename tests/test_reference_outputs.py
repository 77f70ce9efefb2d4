"""The shared tiny run reproduces the outputs recorded in tests/data/reference_tiny.json.

Recorded (tests/record_reference.py) before the architecture step (registry, straight layers, one
muon model), so the refactoring is shown to change no number: merged histograms and fit inputs
bit for bit (every dataset's bytes), the fits' numbers, the report's tables character for
character. The fit numbers are compared to 1e-10 relative: identical on one machine, with room only
for the summation order of a different CPU's vector units. A change that is meant to alter the
physics re-records the reference and says so in its commit.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from tests.helpers import run_outputs

REFERENCE = Path(__file__).resolve().parent / "data" / "reference_tiny.json"


def _close(a: object, b: object, path: str, bad: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            bad.append(f"{path}: keys {sorted(set(a) ^ set(b))} differ")
        for k in set(a) & set(b):
            _close(a[k], b[k], f"{path}.{k}", bad)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]", bad)
    elif isinstance(a, float) and isinstance(b, float):
        if not math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-13):
            bad.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        bad.append(f"{path}: {a!r} != {b!r}")


def test_tiny_run_reproduces_the_recorded_outputs(tiny_workflow_run):
    want = json.loads(REFERENCE.read_text())
    got = run_outputs(tiny_workflow_run)
    assert got["hists"] == want["hists"], "merged histograms differ from the recorded ones"
    assert got["fitinputs"] == want["fitinputs"], "fit inputs differ from the recorded ones"
    bad: list[str] = []
    _close(got["fits"], want["fits"], "fits", bad)
    assert not bad, "fit results differ:\n" + "\n".join(sorted(bad)[:20])
    assert len(got["report_tables"]) == len(want["report_tables"])
    for i, (g, w) in enumerate(zip(got["report_tables"], want["report_tables"], strict=True)):
        assert g == w, f"report table {i} differs:\n{g[:800]}\n---- recorded:\n{w[:800]}"
