"""Truth-generator benchmark: events/s on one core for each process at the default settings.

Rates are events per CPU second of the benchmark process (time.process_time, single-threaded BLAS),
so they are per core even on a shared machine. Tables (PDF grids, luminosities, pT^V densities,
the PDF weight table) are built once per process (they are cached per job) and timed separately as
``setup_s`` (wall time); the rate is that of a warm call of
``generate_truth`` with all the stored weight groups of config/config.yaml, plus a breakdown of
the W+ chain without weights and the cost of each weight group.

usage: .venv/bin/python benchmarks/generate_truth.py [--events 200000] [--out benchmarks/results/generate_truth.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from wmass.config import load_config
from wmass.generate.processes import PROCESSES, generate_truth
from wmass.generate.weights import WEIGHT_GROUPS
from wmass.rng import chunk_rng

REPO = Path(__file__).resolve().parents[1]


def _rate(process: str, n: int, params: dict, repeat: int = 3) -> float:
    """Events per CPU second of this process (best of ``repeat``): per core, whatever the machine load."""
    best = np.inf
    for i in range(repeat):
        rng = chunk_rng(1, process, i)
        t = time.process_time()
        generate_truth(process, n, 0, rng, params)
        best = min(best, time.process_time() - t)
    return n / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "generate_truth.json"))
    args = ap.parse_args()
    params = load_config(REPO / "config" / "config.yaml")["generator"]
    result: dict = {"events": args.events, "machine": platform.processor() or platform.machine(),
                    "load_average": os.getloadavg(), "processes": {}, "wplus_weight_groups": {}}
    for process in PROCESSES:
        t = time.perf_counter()
        generate_truth(process, 1000, 0, chunk_rng(0, process, 0), params)
        setup = time.perf_counter() - t
        rate = _rate(process, args.events, params)
        result["processes"][process] = {"events_per_s": round(rate), "setup_s": round(setup, 3)}
        print(f"{process:8s} {rate:12.0f} ev/s   (setup {setup:.2f} s)")
    bare = copy.deepcopy(params)
    bare["weights"]["store"] = []
    r0 = _rate("wplus", args.events, bare)
    result["wplus_no_weights_events_per_s"] = round(r0)
    print(f"wplus without weights {r0:.0f} ev/s")
    for group in WEIGHT_GROUPS:
        one = copy.deepcopy(params)
        one["weights"]["store"] = [group]
        r = _rate("wplus", args.events, one)
        cost_us = (1.0 / r - 1.0 / r0) * 1e6
        result["wplus_weight_groups"][group] = {"events_per_s": round(r), "extra_us_per_event": round(cost_us, 3)}
        print(f"  + {group:12s} {r:10.0f} ev/s  ({cost_us:.3f} us/event)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
