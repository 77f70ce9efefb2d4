"""Record the reference outputs of the tiny workflow run (tests/data/reference_tiny.json).

    .venv/bin/python -m tests.record_reference WORKDIR

WORKDIR is a finished tiny run made as the shared test fixture makes it (profiles/ci with
tests.helpers.TINY_BLINDED_CONFIG). tests/test_reference_outputs.py compares every later run with
this file: a change meant to alter the physics numbers re-records it and says so in its commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import run_outputs

REFERENCE = Path(__file__).resolve().parent / "data" / "reference_tiny.json"


def main(work: str) -> None:
    REFERENCE.write_text(json.dumps(run_outputs(Path(work)), indent=1, sort_keys=True) + "\n")
    print(f"{REFERENCE}: recorded from {work}")


if __name__ == "__main__":
    main(sys.argv[1])
