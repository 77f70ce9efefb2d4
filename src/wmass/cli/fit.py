"""`wmass fit`: fit a fit input (built by `wmass fitinput`, see wmass.cli.fitinput)."""

from __future__ import annotations

import click

from wmass.config import config_hash, load_config

__all__ = ["fit"]


def _fit_config(path: str | None) -> tuple[dict, str]:
    if path is None:
        from wmass.config import schema

        props = schema()["properties"]["fit"]["properties"]
        return {k: v["default"] for k, v in props.items()}, "none"
    cfg = load_config(path)
    return cfg["fit"], config_hash(cfg, ("fit",))


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
    from wmass.fit.results import hash_offset, write_results
    from wmass.provenance import provenance

    fcfg, chash = _fit_config(config_path)
    fi = read_fit_input(fitinput_path)
    opts = FitOptions(poi_square=not fcfg["allow_negative_poi"], bbstat=fcfg["bin_by_bin_stat"], tol=fcfg["edm_tol"],
                      max_iter=fcfg["max_iter"], impacts=fcfg["impacts"], global_impacts=fcfg["global_impacts"],
                      asimov=fcfg["asimov"] if asimov is None else asimov, toys=fcfg["toys"] if toys is None else toys,
                      toy_seed=fcfg["toy_seed"], scan=tuple(fcfg["scan"]) + scan, scan_points=fcfg["scan_points"],
                      device=device or fcfg["device"])
    try:
        out = run_fit(fi, opts, log=click.echo)
    except FitError as exc:
        raise click.ClickException(str(exc)) from exc
    prov = provenance("fit", chash, inputs=[fitinput_path], seeds={"toys": opts.toy_seed}, unblinded=unblind)
    doc = write_results(out, fi, outdir, blind=not unblind, offset=hash_offset(fcfg["blinding_secret"]), provenance=prov)
    m = doc["minimizer"]
    click.echo(f"{outdir}: status {m['status']}, edm {m['edm']:.2g}, {m['iterations']} iterations, "
               f"saturated chi2/ndf {doc['gof']['chi2']:.1f}/{doc['gof']['ndf']} (p = {doc['gof']['p_value']:.3f})"
               + ("" if unblind else f"; blinded: {', '.join(doc['blinded_parameters']) or 'none'}"))
