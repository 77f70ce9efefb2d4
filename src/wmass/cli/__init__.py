"""The `wmass` command line: one subcommand per workflow stage (DESIGN.md section 1).

The CLI only parses arguments, reads and writes files and calls the library; it holds no physics.
A stage appears here only once it is built. Subcommands are attached in one place, below.
"""

from __future__ import annotations

import sys

import click

from wmass import __version__
from wmass.config import ConfigError
from wmass.errors import InputError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wmass")
def cli() -> None:
    """wmass: the CMS W-boson mass measurement, end to end (generate → histogram → fit → unblind)."""


def _register() -> None:
    """Attach the stages (in workflow order) and the utilities."""
    from wmass.cli import config_cmd, fitinput, generate, histogram, report, unblind
    from wmass.cli import fit as fit_cmd

    for command in (
        generate.generate,
        histogram.histogram,
        histogram.merge,
        fitinput.fitinput_analysis,
        fit_cmd.fit,
        unblind.unblind,
        report.report,
        config_cmd.config,
        config_cmd.summary,
    ):
        cli.add_command(command)


_register()


def main() -> None:
    """Entry point: run the CLI; configuration and input errors end with a one-line message, exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except (ConfigError, FileNotFoundError, InputError) as exc:
        click.echo(f"wmass: error: {exc}", err=True)
        sys.exit(2)

