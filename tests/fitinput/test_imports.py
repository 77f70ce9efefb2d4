"""The fit-input stage never loads the processors (wmass.analyses) nor coffea/awkward/numba."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("coffea", "awkward", "numba", "wmass.analyses")

_CHECK = """
import sys
{setup}
loaded = [m for m in {heavy!r} if m in sys.modules]
print("LOADED", loaded)
"""


def _loaded(setup: str) -> list[str]:
    code = _CHECK.format(setup=setup, heavy=HEAVY)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("LOADED ")][-1]
    return eval(line[len("LOADED "):])  # a list literal printed above


def test_fitinput_library_imports_no_processor():
    assert _loaded("import wmass.fitinput, wmass.fitinput.assemble, wmass.fitinput.samples") == []


@pytest.mark.parametrize("args", [["fitinput", "--help"], ["--help"]])
def test_fitinput_help_imports_no_processor(args):
    setup = (f"import sys, runpy\nsys.argv = ['wmass', *{args!r}]\n"  # as `python -m wmass ARGS`
             "try:\n    runpy.run_module('wmass', run_name='__main__')\nexcept SystemExit as e:\n"
             "    assert e.code in (0, None), e.code\n")
    assert _loaded(setup) == []
