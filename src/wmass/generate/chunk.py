"""Generate one chunk of one sample: truth → detector → NanoAOD file + JSON sidecar.

Random streams (wmass.rng.chunk_rng): simulation uses (seed, sample, chunk) with stream
:data:`STREAM_TRUTH` for the generator and :data:`STREAM_DETECTOR` for the detector model; the
pseudo-data use their own seed (see :mod:`wmass.generate.pseudodata`). Simulated events are written
with run 1 and luminosityBlock = chunk + 1, and the generator's event numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wmass.config import ConfigError, sample_layout, stage_hash
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.generate.memory import keep_freed_memory
from wmass.io import atomic_path
from wmass.nanoaod.schema import Branches, gen_branches, merge_branches, reco_branches, weight_branch
from wmass.nanoaod.sidecar import sidecar, write_sidecar
from wmass.nanoaod.writer import write_nanoaod
from wmass.provenance import provenance
from wmass.rng import chunk_rng

__all__ = ["MC_RUN", "STREAM_DETECTOR", "STREAM_TRUTH", "ChunkOutput", "generate_chunk", "simulate_chunk"]

STREAM_TRUTH, STREAM_DETECTOR = 0, 1
MC_RUN = 1


@dataclass
class ChunkOutput:
    """Branches of one chunk and what its sidecar records."""

    branches: Branches
    is_data: bool
    seeds: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _physics() -> tuple[Callable[..., Any], Callable[[str, Mapping[str, Any]], float]]:
    """The truth generator and cross sections (imported here: the generator package is heavy)."""
    from wmass.generate.processes import cross_section_pb, generate_truth

    return generate_truth, cross_section_pb


def simulate_chunk(cfg: Mapping[str, Any], sample: str, chunk: int) -> ChunkOutput:
    """Branches of chunk ``chunk`` of ``sample`` (no file written). Raises ConfigError on a bad sample/chunk."""
    lay = sample_layout(cfg, sample)
    n = lay.chunk_events(chunk)
    generate_truth, cross_section = _physics()
    seed = int(cfg["seed"])
    if lay.process == "data":
        from wmass.generate.pseudodata import generate_data_chunk

        branches, extra = generate_data_chunk(cfg, sample, chunk, generate_truth, cross_section)
        seeds = {"seed": extra.pop("data_seed"), "sample": sample, "chunk": chunk, "streams": "per process"}
        return ChunkOutput(branches, True, seeds, extra)
    truth = generate_truth(lay.process, n, lay.first_event(chunk), chunk_rng(seed, sample, chunk, STREAM_TRUTH),
                           cfg["generator"])
    reco = simulate(truth, DetectorParams.from_config(cfg["detector"]), lay.process,
                    chunk_rng(seed, sample, chunk, STREAM_DETECTOR))
    run = np.full(n, MC_RUN, dtype=np.uint32)
    lumi = np.full(n, chunk + 1, dtype=np.uint32)
    branches = merge_branches(reco_branches(reco, run, lumi, truth.event), gen_branches(truth, reco, lay.process))
    extra = {"cross_section_pb": cross_section(lay.process, cfg["generator"]),
             "weight_labels": {weight_branch(g): labels for g, labels in truth.weight_labels.items()}}
    seeds = {"seed": seed, "sample": sample, "chunk": chunk,
             "streams": {"truth": STREAM_TRUTH, "detector": STREAM_DETECTOR}}
    return ChunkOutput(branches, False, seeds, extra)


def generate_chunk(
    cfg: Mapping[str, Any], sample: str, chunk: int, out: str | Path, argv: Sequence[str] | None = None
) -> dict[str, Any]:
    """Write ``out`` (NanoAOD) and ``out`` with suffix .json (sidecar), atomically; return the sidecar."""
    keep_freed_memory()  # this process generates: reuse freed memory (wmass.generate.memory)
    out = Path(out)
    if out.suffix != ".root":
        raise ConfigError(f"output {out} must be a .root file")
    lay = sample_layout(cfg, sample)
    lay.chunk_events(chunk)  # validates the chunk index before any work
    result = simulate_chunk(cfg, sample, chunk)
    chash = stage_hash(cfg, "generate", sample)
    prov = provenance("generate", chash, seeds=result.seeds, argv=argv, sample=sample, chunk=chunk)
    gen_weight = None if result.is_data else result.branches["genWeight"]
    meta = sidecar(sample=sample, process=lay.process, chunk=chunk, seed=int(result.seeds["seed"]),
                   gen_weight=gen_weight, n_events=int(np.asarray(result.branches["run"]).shape[0]),  # type: ignore[arg-type]
                   config_hash=chash, provenance=prov, extra=result.extra)
    file_meta = {**prov, **{k: v for k, v in result.extra.items() if k != "weight_labels"}}
    with atomic_path(out) as tmp:  # the ROOT file appears only once its sidecar is written
        write_nanoaod(tmp, result.branches, file_meta, is_data=result.is_data, atomic=False)
        write_sidecar(out.with_suffix(".json"), meta)
    return meta
