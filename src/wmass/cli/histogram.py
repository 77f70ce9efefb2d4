"""`wmass histogram` (one analysis × sample × chunk → HDF5 histograms) and `wmass merge` (chunks → sample)."""

from __future__ import annotations

import sys
from typing import Any

import click

from wmass import registry
from wmass.cli.paths import check_output_file
from wmass.config import load_config, sample_layout, stage_hash
from wmass.errors import InputError
from wmass.provenance import provenance

__all__ = ["histogram", "merge"]

ANALYSES = registry.analysis_names()


@click.command("histogram")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--analysis", required=True, type=click.Choice(ANALYSES), help="Analysis.")
@click.option("--sample", required=True, help="Sample name (a key of `samples`).")
@click.option("--chunk", required=True, type=click.IntRange(min=0), help="Chunk index of the sample.")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False), help="NanoAOD file of the chunk.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output HDF5 histogram file.")
@click.option("--allow-missing", "allow_missing", default="", metavar="GROUP[,GROUP...]",
              help="Optional input groups allowed to be missing (with their fallbacks), added to histogram.allow_missing.")
def histogram(config_path: str, analysis: str, sample: str, chunk: int, input_path: str, out: str, allow_missing: str) -> None:
    """Fill the histograms of ANALYSIS for chunk CHUNK of SAMPLE from INPUT into OUT (written atomically)."""
    import dataclasses

    from wmass.analyses import make_processor
    from wmass.analyses.inputs import OPTIONAL_GROUPS
    from wmass.analyses.options import options_from_config
    from wmass.analyses.runner import check_file, file_weight_scale, run_processor
    from wmass.histograms.io import write_hists

    extra = _groups(allow_missing, tuple(OPTIONAL_GROUPS))
    cfg = load_config(config_path)
    layout = sample_layout(cfg, sample)
    layout.chunk_events(chunk)  # refuses a chunk index outside the sample
    block = cfg["histogram"]
    is_mc = layout.process != "data"
    check_file(input_path)  # once, before coffea: a broken file is refused here, never retried
    check_output_file(out)
    side = _sidecar(input_path)
    opts = options_from_config(cfg, is_mc=is_mc, theory=registry.process(layout.process).theory,
                               weight_scale=file_weight_scale(input_path, is_mc),
                               weight_labels=dict(side.get("weight_labels", {})))
    opts = dataclasses.replace(opts, allow_missing=opts.allow_missing | extra)
    result = run_processor(make_processor(analysis, opts), [input_path], dataset=sample, executor=block["executor"],
                           workers=block["workers"], chunksize=block["chunksize"], dask_address=block["dask_address"],
                           status=True, check_files=False)
    h = stage_hash(cfg, "histogram")
    meta = {
        "analysis": analysis, "sample": sample, "chunk": chunk, "config_hash": h, "input": input_path,
        "n_events": result["n_events"], "sum_w": result["sum_w"], "sum_w2": result["sum_w2"],
        "missing_inputs": sorted(result["missing_inputs"]), "allow_missing": sorted(opts.allow_missing),
        "non_finite": opts.non_finite, "non_finite_dropped": int(result["non_finite_dropped"]),
        "weight_scale": opts.weight_scale, "is_mc": is_mc,
        "provenance": provenance("histogram", h, argv=sys.argv, executor=block["executor"]),
    }
    lumi = side.get("lumi_pb")
    if lumi is not None:  # pseudo-data: the chunk's integrated luminosity (pb⁻¹), summed by merge
        meta["lumi_pb"] = float(lumi)
    write_hists(out, result["hists"], meta)
    dropped = f", {result['non_finite_dropped']} dropped for a non-finite input" if result["non_finite_dropped"] else ""
    click.echo(f"{out}: {analysis}/{sample} chunk {chunk}: {result['n_events']} events{dropped}, "
               f"{len(result['hists'])} histograms (config hash {h})")


def _groups(text: str, known: tuple[str, ...]) -> frozenset[str]:
    """The comma-separated input groups of ``--allow-missing``; an unknown one is a usage error."""
    groups = frozenset(g.strip() for g in text.split(",") if g.strip())
    unknown = sorted(groups - set(known))
    if unknown:
        raise click.BadParameter(f"unknown input group(s) {', '.join(unknown)}; groups: {', '.join(known)}",
                                 param_hint="--allow-missing")
    return groups


def _sidecar(path: str) -> dict[str, Any]:
    """The NanoAOD sidecar (``<input>.json``) of ``path``, or {} when there is none (real CMS files).

    An InputError naming the sidecar when it is not a JSON object or its ``lumi_pb`` (pseudo-data:
    the chunk's integrated luminosity) is not a finite, non-negative number.
    """
    import json
    import math
    from pathlib import Path

    side = Path(path).with_suffix(".json")
    if not side.is_file():
        return {}
    try:
        doc = json.loads(side.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"sidecar {side} of {path} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"sidecar {side} of {path} holds a {type(doc).__name__}, not a JSON object")
    lumi = doc.get("lumi_pb")
    if lumi is not None:
        if isinstance(lumi, bool) or not isinstance(lumi, int | float) or not math.isfinite(lumi):
            raise InputError(f"sidecar {side}: lumi_pb is {lumi!r}, not a finite number of pb⁻¹")
        if lumi < 0:
            raise InputError(f"sidecar {side}: lumi_pb is {lumi!r}, a negative integrated luminosity")
    return dict(doc)


@click.command("merge")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--analysis", required=True, type=click.Choice(ANALYSES), help="Analysis.")
@click.option("--sample", required=True, help="Sample name (a key of `samples`).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Merged HDF5 histogram file.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
def merge(config_path: str, analysis: str, sample: str, out: str, inputs: tuple[str, ...]) -> None:
    """Sum the chunk files INPUTS of ANALYSIS/SAMPLE into OUT; refuses missing chunks or foreign configs."""
    from wmass.histograms.io import read_meta
    from wmass.histograms.merge import merge_files

    cfg = load_config(config_path)
    check_output_file(out)
    h = stage_hash(cfg, "histogram")
    chunks = []
    for path in inputs:
        meta = read_meta(path)
        for key, want in (("config_hash", h), ("analysis", analysis), ("sample", sample)):
            if meta.get(key) != want:
                raise InputError(f"refusing to merge {path}: its {key} is {meta.get(key)!r}, expected {want!r}")
        chunks.append(int(meta["chunk"]))
    expected = list(range(sample_layout(cfg, sample).chunks))
    if sorted(chunks) != expected:
        missing = sorted(set(expected) - set(chunks)) or "duplicates"
        raise InputError(f"refusing to merge {analysis}/{sample}: chunks {sorted(chunks)} given, expected {expected} (missing: {missing})")
    meta = merge_files(list(inputs), out, provenance("merge", h, argv=sys.argv))
    click.echo(f"{out}: {meta['chunks']} chunk(s) of {analysis}/{sample}, {int(meta['n_events'])} events")
