"""`wmass generate`: one chunk of one sample → NanoAOD ROOT file and JSON sidecar."""

from __future__ import annotations

import sys

import click

from wmass.config import load_config

__all__ = ["generate"]


@click.command("generate")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--sample", required=True, help="Sample name (a key of `samples`).")
@click.option("--chunk", required=True, type=click.IntRange(min=0), help="Chunk index of the sample.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output .root file (sidecar: .json beside).")
def generate(config_path: str, sample: str, chunk: int, out: str) -> None:
    """Generate chunk CHUNK of SAMPLE: truth → detector → NanoAOD (OUT) + sidecar (OUT with .json)."""
    from wmass.generate.chunk import generate_chunk

    cfg = load_config(config_path)
    meta = generate_chunk(cfg, sample, chunk, out, argv=sys.argv)
    click.echo(f"{out}: {meta['n_events']} events of {sample} chunk {chunk} (sum_w {meta['sum_w']:.6g}, "
               f"config hash {meta['config_hash']})")
