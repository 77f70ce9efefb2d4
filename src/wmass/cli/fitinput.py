"""`wmass fitinput`: the merged histograms of one fit's analysis → its fit input (fit/{fit}/input.h5).

A fit input is per fit of :mod:`wmass.registry` (``--analysis`` names the fit; today every fit is
named after its analysis). Only the standard library, click, the configuration and the registry at
import: ``wmass fitinput --help`` loads neither the fit engine nor the processors (coffea).
"""

from __future__ import annotations

import sys

import click

from wmass import registry
from wmass.config import load_config, stage_hash
from wmass.errors import InputError

__all__ = ["fitinput_analysis"]


@click.command("fitinput")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--analysis", required=True, type=click.Choice(registry.fit_names()),
              help="The fit (registry; named after its analysis) whose input is built.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Fit input HDF5 file to write.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
def fitinput_analysis(config_path: str, analysis: str, out: str, inputs: tuple[str, ...]) -> None:
    """Build the fit input OUT of the fit ANALYSIS from its analysis' merged histogram files INPUTS (hists/A/S.h5).

    Sample names come from the files' metadata; each sample's process from the configuration.
    """
    from wmass.fit.inputs import write_fit_input
    from wmass.fitinput import assemble_fit_input, options_from_config
    from wmass.histograms.io import read_meta
    from wmass.provenance import provenance

    cfg = load_config(config_path)
    files: dict[str, str] = {}
    for path in inputs:
        sample = read_meta(path).get("sample")
        if not isinstance(sample, str):
            raise InputError(f"histogram file {path} does not name its sample")
        if sample in files:
            raise InputError(f"two histogram files of sample {sample!r}: {files[sample]} and {path}")
        files[sample] = path
    process_of = {name: spec["process"] for name, spec in cfg["samples"].items()}
    h = stage_hash(cfg, "fitinput")
    prov = provenance("fitinput", h, argv=sys.argv, inputs=list(inputs))
    fi = assemble_fit_input(analysis, files, process_of, options_from_config(cfg), provenance={"provenance": prov})
    write_fit_input(fi, out)
    meta = fi.provenance
    click.echo(f"{out}: {analysis}, {fi.nominal.shape[0]} bins, {len(fi.processes)} processes, {len(fi.systs)} "
               f"nuisances, {fi.logk.nnz} log κ entries ({'sparse' if fi.logk.sparse else 'dense'}); "
               f"L = {meta['lumi_pb']:.4g} /pb, prefit/data = {meta['prefit_over_data']:.3f} (config hash {h})")
    floors = meta.get("empty_bin_floor", {})
    nempty = sum(v["bins"] for v in floors.values())
    if nempty or meta.get("dropped_nuisances"):
        click.echo(f"  {nempty} empty bin(s) floored ({sum(v['bins_with_data'] for v in floors.values())} with data), "
                   f"{len(meta.get('dropped_nuisances', []))} nuisance(s) without effect dropped (docs/fitinput.md)")
