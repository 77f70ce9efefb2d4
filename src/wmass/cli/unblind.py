"""`wmass unblind STAGE`: the gate of one stage of the sequential unblinding (wmass.unblinding)."""

from __future__ import annotations

import sys

import click

from wmass import registry
from wmass.config import load_config

__all__ = ["unblind"]

#: Exit status of a refused gate (2 is a usage or input error).
REFUSED = 3


@click.command("unblind")
@click.argument("stage_name", metavar="STAGE", type=click.Choice(registry.stage_names()))
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="Resolved configuration.")
@click.option("--fit-dir", type=click.Path(file_okay=False), default=None, help="Fit results (default: paths.fit).")
@click.option("--unblind-dir", type=click.Path(file_okay=False), default=None, help="Gate files (default: paths.unblind).")
@click.option("--record-refusal", is_flag=True,
              help="Exit 0 when the gate refuses (the refusal is recorded in gate.json); the workflow uses this.")
def unblind(stage_name: str, config_path: str, fit_dir: str | None, unblind_dir: str | None, record_refusal: bool) -> None:
    """Open the gate of STAGE (dilepton → wlike → mw) if its checks pass; exit 3 when it refuses.

    Writes UNBLIND_DIR/STAGE/gate.json (every check with its numbers) and, when the gate opens,
    UNBLIND_DIR/STAGE/unblinded.json with the stage's unblinded masses.
    """
    from wmass.unblinding import evaluate_gate, open_gate

    cfg = load_config(config_path)
    fit_dir = fit_dir or cfg["paths"]["fit"]
    unblind_dir = unblind_dir or cfg["paths"]["unblind"]
    decision = evaluate_gate(cfg, stage_name, fit_dir, unblind_dir)
    open_gate(cfg, decision, unblind_dir)
    for c in decision.checks:
        click.echo(f"  [{'pass' if c.passed else 'FAIL'}] {c.name}: {c.detail}")
    if decision.open:
        click.echo(f"unblind {stage_name}: gate open; results in {unblind_dir}/{stage_name}/unblinded.json")
        for fit, params in (decision.results or {}).items():
            for name, r in params.items():
                click.echo(f"  {fit} {name}: m = {r['mass_mev']:.1f} ± {r['error_mev']:.1f} MeV "
                           f"(shift {r['shift_mev']:+.1f} MeV from {r['reference_mev']:.1f})")
        return
    failed = "; ".join(f"{c.name}: {c.detail}" for c in decision.failed())
    click.echo(f"unblind {stage_name}: gate refused ({failed})", err=True)
    if not record_refusal:
        sys.exit(REFUSED)
