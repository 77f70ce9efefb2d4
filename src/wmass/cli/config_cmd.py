"""`wmass config`: check a configuration and show how samples are split into chunks."""

from __future__ import annotations

import click

from wmass.config import config_hash, load_config, sample_layout

__all__ = ["config", "summary"]


@click.group()
def config() -> None:
    """Inspect and validate configuration files."""


@config.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def check(path: str) -> None:
    """Validate PATH against the schema; print its hash and the chunking of every sample."""
    cfg = load_config(path)
    click.echo(f"{path}: valid (size {cfg['size']}, config hash {config_hash(cfg)})")
    for name in cfg["samples"]:
        lay = sample_layout(cfg, name)
        click.echo(f"  {name:10s} {lay.process:8s} {lay.events:>10d} events in {lay.chunks} chunk(s)")


@click.command("summary")
@click.option("--config", "path", required=True, type=click.Path(dir_okay=False), help="Configuration file.")
def summary(path: str) -> None:
    """List the outputs of every stage produced so far (where the results and the report are)."""
    from wmass.summary import summarise

    click.echo(summarise(load_config(path)))
