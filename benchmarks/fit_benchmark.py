"""Fit benchmark: synthetic mW-shaped input (2 charges × 48 η × 30 pT, 10 processes), N nuisances.

Times fit + covariance + nominal impacts + global impacts (compile time separately) and the peak
memory (max RSS of a fresh process per N); writes benchmarks/results/fit.json.

usage: .venv/bin/python benchmarks/fit_benchmark.py [--n 100 1000 5000] [--rabbit 100 1000]
                                                    [--out benchmarks/results/fit.json]
``--rabbit`` runs rabbit-fit 0.2.5 (needs .venv-rabbit) on the same input and compares the results.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

#: the repository root, on sys.path for the synthetic inputs of the tests (tests.fit.synthetic)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one(n: int) -> dict:
    from tests.fit.synthetic import synthetic_input
    from wmass.fit.driver import FitOptions, run_fit

    t = time.perf_counter()
    fi = synthetic_input(nsyst=n, seed=n)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    out = run_fit(fi, FitOptions())
    wall = time.perf_counter() - t
    tm = out["timings"]
    i = out["names"].index("massShift")
    work = tm["minimize"] + tm["covariance"] + tm["impacts"] + tm["global_impacts"]
    return {"nsyst": n, "nbins": int(fi.nbins_fit), "nproc": len(fi.processes), "logk_nnz": fi.logk.nnz,
            "time_fit_cov_impacts_s": work, "compile_s": tm["compile"], "setup_and_compile_s": tm["setup_and_compile"],
            "wall_run_fit_s": wall, "timings": tm, "iterations": out["minimizer"]["iterations"],
            "edm": out["minimizer"]["edm"], "mass_shift_fit_minus_injected_over_sigma":
            float((out["x"][i] - 0.5) / out["cov"][i, i] ** 0.5),
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, "input_gen_s": t_gen,
            "device": out["device"]}


def rabbit(n: int, workdir: Path) -> dict:
    """rabbit-fit on the same input (one POI per signal process, as rabbit has), and our fit of it."""
    import numpy as np

    from tests.fit.histfile import read_hist_file
    from tests.fit.synthetic import synthetic_input, write_hist_file
    from wmass.fit.driver import FitOptions, run_fit

    root = ROOT
    workdir.mkdir(parents=True, exist_ok=True)
    hpath = workdir / f"hists_{n}.h5"
    write_hist_file(synthetic_input(nsyst=n, seed=n), hpath, pois=False)
    fi = read_hist_file(hpath).build()
    names = [*fi.pois, *fi.systs]
    np.savez(workdir / "pts.npz", names=np.array(names), x=np.zeros((0, len(names))),
             xstart=np.concatenate([np.ones(len(fi.pois)), np.zeros(len(fi.systs))]))
    t = time.perf_counter()
    r = subprocess.run([str(root / ".venv-rabbit/bin/python"), str(root / "tests/fit/rabbit_driver.py"), str(hpath),
                        str(workdir / "pts.npz"), str(workdir / "rb.npz"), str(workdir), "sparse"],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        return {"nsyst": n, "error": r.stderr[-2000:]}
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    rb = np.load(workdir / "rb.npz")
    out = run_fit(fi, FitOptions())
    perm = [names.index(x) for x in rb["names"].astype(str)]
    sig = np.sqrt(np.diag(out["cov"]))[perm]
    return {"nsyst": n, "rabbit_fit_hess_impacts_s": float(rb["time_fit"]), "rabbit_wall_s": wall,
            "rabbit_peak_rss_gb": rss, "rabbit_edm": float(rb["edm"]),
            "ours_fit_cov_impacts_s": sum(out["timings"][k] for k in ("minimize", "covariance", "impacts", "global_impacts")),
            "max_abs_dx_over_sigma": float(np.max(np.abs(out["x"][perm] - rb["xfit"]) / sig)),
            "max_rel_dsigma": float(np.max(np.abs(sig / np.sqrt(np.diag(rb["cov"])) - 1)))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "fit.json"))
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--rabbit", type=int, nargs="*", default=[], help="Also run rabbit-fit (.venv-rabbit) at these N.")
    ap.add_argument("--rabbit-one", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one)))
        return
    if a.rabbit_one:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(rabbit(a.rabbit_one, Path(tmp))))
        return
    runs = []
    for n in a.n:  # a fresh process per N, so the peak memory is that of N alone
        r = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True)
        if r.returncode != 0:
            runs.append({"nsyst": n, "error": r.stderr[-2000:]})
            continue
        runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), flush=True)
    rruns = []
    for n in a.rabbit:
        r = subprocess.run([sys.executable, __file__, "--rabbit-one", str(n)], capture_output=True, text=True)
        rruns.append(json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else {"nsyst": n, "error": r.stderr[-2000:]})
        print(json.dumps(rruns[-1]), flush=True)
    from wmass.provenance import provenance

    doc = {"provenance": provenance("fit_benchmark", "none"), "machine": platform.platform(),
           "cpu_count": __import__("os").cpu_count(), "runs": runs, "rabbit_runs": rruns,
           "note": "time = minimise + covariance + nominal impacts + global impacts; compile separately"}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
