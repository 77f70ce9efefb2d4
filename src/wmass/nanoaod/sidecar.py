"""The JSON sidecar of a NanoAOD chunk: what made it and the sums the processors normalise with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from wmass.io import write_json

__all__ = ["sidecar", "write_sidecar"]


def sidecar(
    *,
    sample: str,
    process: str,
    chunk: int,
    seed: int,
    gen_weight: np.ndarray | None,
    n_events: int,
    config_hash: str,
    provenance: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Sidecar dict: seed, sample, chunk, n_events, sum_w, sum_w2 (of the float32 genWeight as written;
    1 per event for data), config hash, provenance and ``extra`` (cross section, luminosity, labels)."""
    w = np.ones(n_events) if gen_weight is None else np.asarray(gen_weight, dtype=np.float32).astype(np.float64)
    return {
        "sample": sample, "process": process, "chunk": chunk, "seed": seed, "n_events": int(n_events),
        "sum_w": float(w.sum()), "sum_w2": float((w * w).sum()), "config_hash": config_hash,
        **dict(extra or {}), "provenance": dict(provenance),
    }


def write_sidecar(target: str | Path, content: Mapping[str, Any]) -> None:
    """Write the sidecar atomically."""
    write_json(target, content)
