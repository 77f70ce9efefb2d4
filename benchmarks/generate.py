"""Benchmark of the `generate` stage: events/s/core per sample at the default settings.

Times each step of one chunk (truth generation, detector model, NanoAOD branches, writing) in one
process on one core (CPU time, so other jobs on a shared machine do not distort it; wall time
beside it), for each simulated sample of the configuration, and writes
benchmarks/results/generate.json. The process uses the allocator settings of the ``generate``
stage (wmass.generate.memory.keep_freed_memory, as wmass.generate.chunk.generate_chunk) and the
writer's defaults (uncompressed baskets of wmass.nanoaod.writer.BASKET_EVENTS events). Usage:

    OMP_NUM_THREADS=1 python benchmarks/generate.py [--events N] [--repeat R] [--config config/config.yaml]

Each sample is generated ``--repeat`` times (same chunk): the fastest chunk is reported (other jobs
on a shared machine slow a chunk down, never speed it up), with the median rates beside it.

Without the truth generator (wmass.generate.processes) installed, the truth step uses the
synthetic two-body generator of tests/synthetic.py and the result says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wmass.config import load_config, sample_layout  # noqa: E402
from wmass.detector.params import DetectorParams  # noqa: E402
from wmass.detector.simulate import simulate  # noqa: E402
from wmass.generate.chunk import STREAM_DETECTOR, STREAM_TRUTH  # noqa: E402
from wmass.generate.memory import keep_freed_memory  # noqa: E402
from wmass.nanoaod.schema import gen_branches, merge_branches, reco_branches  # noqa: E402
from wmass.nanoaod.writer import BASKET_EVENTS, write_nanoaod  # noqa: E402
from wmass.rng import chunk_rng  # noqa: E402


def _truth_generator():
    try:
        from wmass.generate.processes import generate_truth

        return generate_truth, "wmass.generate.processes"
    except ImportError:
        from tests.synthetic import synthetic_generate_truth

        return synthetic_generate_truth, "tests.synthetic (physics generator not installed)"


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def bench_sample(cfg: dict, sample: str, n: int, tmp: Path, generate_truth) -> dict:
    """Wall and CPU seconds per step for one chunk of ``n`` events of a simulated sample.

    events/s/core is computed from the CPU time of this (single-threaded) process, which the other
    jobs sharing the machine do not inflate; the wall-clock rate is reported beside it.
    """
    process = sample_layout(cfg, sample).process
    seed = cfg["seed"]
    c0 = _clock()
    truth = generate_truth(process, n, 0, chunk_rng(seed, sample, 0, STREAM_TRUTH), cfg["generator"])
    c1 = _clock()
    reco = simulate(truth, DetectorParams.from_config(cfg["detector"]), process,
                    chunk_rng(seed, sample, 0, STREAM_DETECTOR))
    c2 = _clock()
    ones = np.ones(n, dtype=np.uint32)
    branches = merge_branches(reco_branches(reco, ones, ones, truth.event), gen_branches(truth, reco, process))
    c3 = _clock()
    path = tmp / f"{sample}.root"
    write_nanoaod(path, branches, {"stage": "benchmark"}, is_data=False)
    c4 = _clock()
    cpu = {k: c[1] - b[1] for k, b, c in (("truth", c0, c1), ("detector", c1, c2), ("branches", c2, c3),
                                          ("write", c3, c4))}
    return {
        "events": n,
        "events_per_s_per_core": round(n / (c4[1] - c0[1])),
        "detector_and_writing_events_per_s_per_core": round(n / (c4[1] - c1[1])),
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "wall_s": round(c4[0] - c0[0], 3), "wall_events_per_s": round(n / (c4[0] - c0[0])),
        "file_mb": round(path.stat().st_size / 1e6, 2), "bytes_per_event": round(path.stat().st_size / n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config/config.yaml"))
    parser.add_argument("--events", type=int, default=200000, help="events per sample (one chunk)")
    parser.add_argument("--samples", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3,
                        help="chunks per sample: the fastest (CPU) is reported, with the median rates beside it")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/generate.json"))
    args = parser.parse_args()
    cfg = load_config(args.config)
    malloc_tuned = keep_freed_memory()
    generate_truth, source = _truth_generator()
    samples = args.samples or [s for s, spec in cfg["samples"].items() if spec["process"] != "data"]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm-up"
        warm.mkdir()
        for sample in samples:  # warm-up: tables, imports, compiled kernels
            bench_sample(cfg, sample, 1000, warm, generate_truth)
        for sample in samples:
            runs = []
            for rep in range(args.repeat):
                (Path(tmp) / str(rep)).mkdir(exist_ok=True)
                runs.append(bench_sample(cfg, sample, args.events, Path(tmp) / str(rep), generate_truth))
            results[sample] = {**max(runs, key=lambda r: r["events_per_s_per_core"]), "repeats": args.repeat,
                               "median_events_per_s_per_core": round(median(r["events_per_s_per_core"] for r in runs)),
                               "median_wall_events_per_s": round(median(r["wall_events_per_s"] for r in runs))}
            print(sample, results[sample], flush=True)
    report = {
        "benchmark": "generate", "truth_generator": source, "events_per_sample": args.events,
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"), "machine": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2),
        "malloc_keep_freed_memory": malloc_tuned, "basket_events": BASKET_EVENTS, "compression": None,
        "target_w_events_per_s_per_core": 200000, "samples": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
