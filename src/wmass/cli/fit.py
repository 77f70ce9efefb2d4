"""`wmass fit`: fit a fit input (built by `wmass fitinput`, see wmass.cli.fitinput).

Blinding: the fit named in the fit input's metadata (``fit``; older inputs: ``analysis``) gets its
offset from :func:`wmass.blinding.fit_offset`: its unblinding stage's, or none when the registry
declares the fit unblinded (``Fit.stage`` None), whose results are then written as fitted, as with
``--unblind``, and the provenance says so (``unblinded_by_declaration``). A fit the registry does
not know is blinded with an offset of its own.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from wmass.config import defaults, load_config, stage_hash

__all__ = ["fit"]


def _fit_config(path: str | None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The validated ``fit`` and ``blinding`` blocks (the schema's defaults without a configuration) and the stage hash."""
    if path is None:
        cfg, chash = defaults(), "none"
    else:
        cfg = load_config(path)
        chash = stage_hash(cfg, "fit")
    return cfg["fit"], cfg["blinding"], chash


@click.command("fit")
@click.argument("fitinput_path", metavar="FITINPUT", type=click.Path(dir_okay=False))
@click.option("--out", "-o", "outdir", required=True, type=click.Path(file_okay=False), help="Folder for result.json and cov.h5.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration (fit block).")
@click.option("--unblind", is_flag=True, help="Write the raw values of the nois (the stage is unblinded).")
@click.option("--toys", type=int, default=None, help="Number of toys (overrides fit.toys).")
@click.option("--asimov/--no-asimov", default=None, help="Also fit the Asimov data set (overrides fit.asimov).")
@click.option("--scan", multiple=True, help="Parameter to scan (repeatable; adds to fit.scan).")
@click.option("--device", type=click.Choice(["cpu", "gpu", "auto"]), default=None, help="JAX device (overrides fit.device).")
def fit(fitinput_path: str, outdir: str, config_path: str | None, unblind: bool, toys: int | None,
        asimov: bool | None, scan: tuple[str, ...], device: str | None) -> None:
    """Fit FITINPUT; write OUT/result.json and OUT/cov.h5 (nois blinded unless --unblind or unblinded by declaration)."""
    from wmass.blinding import fit_offset, stage_of_fit
    from wmass.fit.covariance import FitError
    from wmass.fit.driver import FitOptions, run_fit
    from wmass.fit.inputs import read_fit_input
    from wmass.fit.results import write_results
    from wmass.fit.yields import write_yields
    from wmass.provenance import provenance

    fcfg, bcfg, chash = _fit_config(config_path)
    fi = read_fit_input(fitinput_path)
    # the fit (its blinding stage) and the unit of the mass parameter come from the fit input's metadata
    fit_name = str(fi.provenance.get("fit") or fi.provenance.get("analysis") or "fit")
    mass_poi = fi.provenance.get("mass_poi", {})
    offset = fit_offset(bcfg, fit_name, float(mass_poi.get("units_mev", 100.0)))
    declared = offset is None
    blind = not (unblind or declared)
    base = FitOptions.from_config(fcfg)
    opts = dataclasses.replace(base, asimov=base.asimov if asimov is None else asimov,
                               toys=base.toys if toys is None else toys, scan=base.scan + scan,
                               device=device or base.device)
    try:
        out = run_fit(fi, opts, log=click.echo)
    except FitError as exc:
        raise click.ClickException(str(exc)) from exc
    prov = provenance("fit", chash, inputs=[fitinput_path], seeds={"toys": opts.toy_seed}, unblinded=not blind,
                      fit=fit_name, blinding_stage=stage_of_fit(fit_name), unblinded_by_declaration=declared)
    doc = write_results(out, fi, outdir, blind=blind, offset=offset, provenance=prov)
    write_yields(Path(outdir) / "yields.h5", fi, out, opts, prov)
    m = doc["minimizer"]
    state = ("; unblinded by declaration (registry)" if declared else "" if unblind
             else f"; blinded: {', '.join(doc['blinded_parameters']) or 'none'}")
    click.echo(f"{outdir}: status {m['status']}, edm {m['edm']:.2g}, {m['iterations']} iterations, "
               f"saturated chi2/ndf {doc['gof']['chi2']:.1f}/{doc['gof']['ndf']} (p = {doc['gof']['p_value']:.3f})"
               + state)
