"""`wmass fit`: fit a fit input (built by `wmass fitinput`, see wmass.cli.fitinput)."""

from __future__ import annotations

from pathlib import Path

import click

from wmass.config import load_config, stage_hash

__all__ = ["fit"]


def _fit_config(path: str | None) -> tuple[dict, dict, str]:
    """The ``fit`` and ``blinding`` blocks (schema defaults without a configuration) and the stage hash."""
    if path is None:
        from wmass.config import schema

        blocks = schema()["properties"]
        fit, blind = ({k: v["default"] for k, v in blocks[b]["properties"].items()} for b in ("fit", "blinding"))
        return fit, blind, "none"
    cfg = load_config(path)
    return cfg["fit"], cfg["blinding"], stage_hash(cfg, "fit")


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
    """Fit FITINPUT; write OUT/result.json and OUT/cov.h5 (nois blinded unless --unblind)."""
    from wmass.fit.covariance import FitError
    from wmass.fit.driver import FitOptions, run_fit
    from wmass.fit.inputs import read_fit_input
    from wmass.blinding import noi_offset, stage_of_fit
    from wmass.fit.results import write_results
    from wmass.fit.yields import write_yields
    from wmass.provenance import provenance

    fcfg, bcfg, chash = _fit_config(config_path)
    fi = read_fit_input(fitinput_path)
    # the blinding stage and the unit of the mass parameter come from the fit input's metadata
    mass_poi = fi.provenance.get("mass_poi", {})
    blind_stage = stage_of_fit(str(fi.provenance.get("analysis", "fit")))
    offset = noi_offset(bcfg, blind_stage, float(mass_poi.get("units_mev", 100.0)))
    opts = FitOptions(poi_square=not fcfg["allow_negative_poi"], bbstat=fcfg["bin_by_bin_stat"], tol=fcfg["edm_tol"],
                      max_iter=fcfg["max_iter"], impacts=fcfg["impacts"], global_impacts=fcfg["global_impacts"],
                      asimov=fcfg["asimov"] if asimov is None else asimov, toys=fcfg["toys"] if toys is None else toys,
                      toy_seed=fcfg["toy_seed"], scan=tuple(fcfg["scan"]) + scan, scan_points=fcfg["scan_points"],
                      device=device or fcfg["device"])
    try:
        out = run_fit(fi, opts, log=click.echo)
    except FitError as exc:
        raise click.ClickException(str(exc)) from exc
    prov = provenance("fit", chash, inputs=[fitinput_path], seeds={"toys": opts.toy_seed}, unblinded=unblind,
                      blinding_stage=blind_stage)
    doc = write_results(out, fi, outdir, blind=not unblind, offset=offset, provenance=prov)
    write_yields(Path(outdir) / "yields.h5", fi, out, opts, prov)
    m = doc["minimizer"]
    click.echo(f"{outdir}: status {m['status']}, edm {m['edm']:.2g}, {m['iterations']} iterations, "
               f"saturated chi2/ndf {doc['gof']['chi2']:.1f}/{doc['gof']['ndf']} (p = {doc['gof']['p_value']:.3f})"
               + ("" if unblind else f"; blinded: {', '.join(doc['blinded_parameters']) or 'none'}"))
