"""Benchmark of the mw processor: events/s/core with (a) the nominal histogram only and (b) every
systematic group on (the ≈ 5000-nuisance configuration), and the memory of the histogram set.

Input: a W+ chunk made by the generator (``wmass.generate.chunk.generate_chunk`` with the repository
configuration, ``--events`` events), or with ``--synthetic`` the synthetic NanoAOD of the tests
(tests/analyses/synth.py), or ``--input`` an existing chunk (its sidecar JSON gives the labels). Two numbers
per configuration: ``process`` (the processor on events already in memory: the histogramming cost)
and ``end_to_end`` (coffea Runner, IterativeExecutor, one core, including reading and decompressing
the file), both per CPU second of the benchmark process (the machine is shared: wall time would
measure the other users). Options: config/config.yaml (every systematic group on) or none.
Writes benchmarks/results/histogram.json.

    .venv/bin/python benchmarks/histogram.py [--events 300000] [--synthetic | --input FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.analyses.synth import write_nano  # noqa: E402
from wmass.analyses import make_processor  # noqa: E402
from wmass.analyses.options import GROUPS, Options, options_from_config  # noqa: E402
from wmass.analyses.runner import events_from_file, file_weight_scale, run_processor  # noqa: E402
from wmass.config import load_config  # noqa: E402
from wmass.histograms.groups import nuisance_names  # noqa: E402


def _generate(path: Path, events: int) -> str:
    """One W+ chunk of ``events`` events from the generator, with the repository configuration."""
    from wmass.config import validate_config
    from wmass.generate.chunk import generate_chunk

    cfg = load_config(ROOT / "config" / "config.yaml")
    cfg["size"], cfg["sizes"] = "bench", {"bench": {"scale": 1.0, "max_chunk_events": events}}
    cfg["samples"] = {"wplus": {"process": "wplus", "events": events}}
    generate_chunk(validate_config(cfg), "wplus", 0, str(path), argv=["benchmarks/histogram.py"])
    return str(path)


def _options(all_groups: bool, path: str) -> Options:
    """The repository configuration's options (every group on), or none for the nominal-only run."""
    side = Path(path).with_suffix(".json")
    labels = json.loads(side.read_text()).get("weight_labels", {}) if side.is_file() else {}
    cfg = load_config(ROOT / "config" / "config.yaml")
    opts = options_from_config(cfg, is_mc=True, theory=True, weight_scale=file_weight_scale(path, True), weight_labels=labels)
    return dataclasses.replace(opts, groups=frozenset(GROUPS) if all_groups else frozenset())


def _process_rate(path: str, opts: Options, repeat: int) -> tuple[float, dict]:
    events = events_from_file(path)
    proc = make_processor("mw", opts)
    proc.process(events[:1000])  # warm-up (imports, numba)
    best = float("inf")
    for _ in range(repeat):
        fresh = events_from_file(path, eager=True)  # read and decompress first: the histogramming alone
        t0 = time.process_time()
        out = proc.process(fresh)
        best = min(best, time.process_time() - t0)
    return len(events) / best, out


def _end_to_end(path: str, opts: Options, repeat: int) -> float:
    """Events per CPU second of this process (IterativeExecutor: everything runs here, one core);
    the best of ``repeat`` runs, as for the histogramming alone (other users of the machine)."""
    best, n = float("inf"), 0
    for _ in range(repeat):
        t0 = time.process_time()
        n = run_processor(make_processor("mw", opts), [path], chunksize=250_000)["n_events"]
        best = min(best, time.process_time() - t0)
    return n / best


def _memory(out: dict) -> dict:
    sizes = {name: int(h.view(flow=True).nbytes) for name, h in out["hists"].items()}
    return {"total_mb": sum(sizes.values()) / 2**20, "by_histogram_mb": {k: v / 2**20 for k, v in sizes.items()}}


def _nuisances(out: dict) -> dict:
    return {n[5:]: len(nuisance_names(n[5:], h)) for n, h in out["hists"].items()
            if n.startswith("syst_") and n != "syst_muon_scale_refill"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--input", default=None)
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "histogram.json"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        if args.input:
            path, source = args.input, args.input
        elif args.synthetic:
            path, source = str(write_nano(Path(tmp) / "bench.root", args.events, seed=7, basket=100_000)), "synthetic"
        else:
            path, source = _generate(Path(tmp) / "wplus.root", args.events), f"generated wplus ({args.events} events)"
        result = {"input": source,
                  "events": len(events_from_file(path)), "machine": platform.processor() or platform.machine(),
                  "cpus": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version()}
        for label, all_groups in (("nominal", False), ("all_systematics", True)):
            opts = _options(all_groups, path)
            rate, out = _process_rate(path, opts, args.repeat)
            result[label] = {"process_events_per_s_per_core": rate, "end_to_end_events_per_s_per_core": _end_to_end(path, opts, args.repeat),
                             "histograms": len(out["hists"]), "memory": _memory(out)}
            if all_groups:
                counts = _nuisances(out)
                result[label]["nuisances_by_group"] = counts
                result[label]["nuisances_filled"] = sum(counts.values())
                result[label]["tensor_entries_per_event"] = sum(h.axes[-1].size for n, h in out["hists"].items() if n.startswith("syst_"))
    result["targets"] = {"nominal": 1.0e6, "all_systematics": 3.0e5}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
