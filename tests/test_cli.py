"""The `wmass` command line: stages of DESIGN.md section 1, each with working help."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from wmass.cli import cli

STAGES = {"generate", "calibrate", "efficiencies", "histogram", "merge", "nonprompt", "fitinput", "fit", "unblind", "report"}
UTILITIES = {"config", "summary"}


def test_only_known_stages_are_commands():
    assert set(cli.commands) <= STAGES | UTILITIES, set(cli.commands) - STAGES - UTILITIES


def test_every_command_has_help():
    runner = CliRunner()
    for name in cli.commands:
        res = runner.invoke(cli, [name, "--help"])
        assert res.exit_code == 0, (name, res.output)
        assert "Usage" in res.output


def test_python_dash_m_is_the_same_command(tool_env):
    res = subprocess.run([sys.executable, "-m", "wmass", "--version"], capture_output=True, text=True, env=tool_env)
    assert res.returncode == 0 and res.stdout.startswith("wmass, version")
