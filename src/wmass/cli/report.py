"""`wmass report`: the HTML report of the fits and the unblinding gates (wmass.report)."""

from __future__ import annotations

import time

import click

from wmass.config import load_config

__all__ = ["report"]


@click.command("report")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="Configuration (the resolved one, results/config.yaml).")
@click.option("--fit-dir", type=click.Path(file_okay=False), default=None, help="Fit results (default: paths.fit).")
@click.option("--unblind-dir", type=click.Path(file_okay=False), default=None,
              help="Gate files (default: paths.unblind, else unblind).")
@click.option("--out", "outdir", type=click.Path(file_okay=False), default=None,
              help="Report folder, replaced atomically (default: paths.report).")
def report(config_path: str, fit_dir: str | None, unblind_dir: str | None, outdir: str | None) -> None:
    """Write OUT/index.html and its figures from the fits in FIT_DIR and the gates in UNBLIND_DIR."""
    from wmass.report import build_report

    cfg = load_config(config_path)
    paths = cfg.get("paths", {})
    t = time.perf_counter()
    index = build_report(cfg, outdir or paths.get("report", "report"), fit_dir or paths.get("fit", "fit"),
                         unblind_dir or paths.get("unblind", "unblind"))
    click.echo(f"report: {index} ({time.perf_counter() - t:.1f} s)")
