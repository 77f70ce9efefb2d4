"""Tune the fast generator's pT^V parameters to Pythia 8's ISR shower at the same PDF.

Generates W+, W− and Z → μμ with Pythia 8 (wmass.generate.pythia, the config's generator block:
PDF, masses, windows, y_max), fits the parameters of wmass.theory.ptv to the pooled W and to the Z
pT spectra (wmass.generate.pythia_tune) and writes the fitted values, χ², per-bin ratios (for the
pre-tune defaults, the config's current values and the fit), Pythia's σ and W+/W− ratio next to the fast generator's, and the speeds to
``benchmarks/results/pythia_tune.json``. The config is not modified: copy the fitted numbers into
``generator.{w,z}.ptv`` of config/config.yaml and the schema defaults.

The fitted form is f(pT) ∝ pT (1 + pT²/(n p0²))^(−n) exp(−pT/λ) for the perturbative recoil,
convolved with a Gaussian intrinsic kT of width σ_NP (wmass.theory.ptv). The record also keeps
the pre-tune defaults (σ_NP 1.5, p0 5 GeV, n 2.5, no damping: λ = 500 GeV) for reference.

Usage: .venv/bin/python benchmarks/pythia_tune.py [--config config/config.yaml] [--events-w 60000]
       [--events-z 60000] [--out benchmarks/results/pythia_tune.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from wmass.config import load_config
from wmass.generate.processes import cross_section_pb
from wmass.generate.pythia import generate_pythia, pythia_settings, setup_from_params
from wmass.generate.pythia_tune import PTV_KEYS, compare_ptv, fit_ptv
from wmass.rng import chunk_rng
from wmass.theory.ptv import Q_MAX_GEV, ptv_density

REPO = Path(__file__).resolve().parents[1]
#: The generator block's pT^V defaults before this tune (for the record of how far off they were).
UNTUNED = {"w": {"sigma_np_gev": 1.5, "pt0_gev": 5.0, "n_tail": 2.5, "lambda_gev": 500.0},
           "z": {"sigma_np_gev": 1.5, "pt0_gev": 5.5, "n_tail": 2.5, "lambda_gev": 500.0}}


def _seed(master: int, process: str) -> int:
    return int(chunk_rng(master, f"pythia_tune_{process}", 0).integers(1, 900_000_000))


def _fraction_above(pt_cut: float, params: dict[str, float]) -> float:
    """Fraction of the model's pT^V density above ``pt_cut`` (GeV)."""
    fine = np.arange(0.0, Q_MAX_GEV + 10.0, 0.05)
    f = ptv_density(fine, *(params[k] for k in PTV_KEYS))
    return float(np.trapezoid(np.where(fine > pt_cut, f, 0.0), fine) / np.trapezoid(f, fine))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--events-w", type=int, default=60000, help="Pythia events for each W charge")
    ap.add_argument("--events-z", type=int, default=60000, help="Pythia Z events")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "pythia_tune.json"))
    args = ap.parse_args()

    cfg = load_config(args.config)
    gen = cfg["generator"]
    setup = setup_from_params(gen)
    samples, runs = {}, {}
    for process, n in (("wplus", args.events_w), ("wminus", args.events_w), ("zmumu", args.events_z)):
        seed = _seed(cfg["seed"], process)
        t0, c0 = time.perf_counter(), time.process_time()
        ev = generate_pythia(process, n, seed, setup)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        samples[process] = ev
        runs[process] = {"events": n, "seed": seed, "seconds": round(dt, 2), "events_per_s": round(n / dt, 1),
                         "events_per_cpu_s": round(n / cpu, 1),
                         "sigma_pb_k": round(float(ev.gen_weight.sum()), 2),
                         "fast_sigma_pb": round(cross_section_pb(process, gen), 2)}
        print(f"{process}: {n} events in {dt:.1f} s ({n / dt:.0f}/s, {n / cpu:.0f}/CPU s), K σ = {ev.gen_weight.sum():.1f} pb", flush=True)

    w_pt = np.concatenate([samples["wplus"].pt_v, samples["wminus"].pt_v])
    w_wt = np.concatenate([samples["wplus"].gen_weight, samples["wminus"].gen_weight])
    refs = {"w": (w_pt, w_wt), "z": (samples["zmumu"].pt_v, samples["zmumu"].gen_weight)}
    tune: dict[str, Any] = {}
    for boson, (pt, wt) in refs.items():
        start = {k: float(gen[boson]["ptv"][k]) for k in PTV_KEYS}
        before = compare_ptv(pt, wt, start)
        untuned = compare_ptv(pt, wt, UNTUNED[boson])
        t0 = time.perf_counter()
        fit = fit_ptv(pt, wt, start)
        print(f"{boson}: fitted {fit.params} chi2/ndf = {fit.chi2:.1f}/{fit.ndf}, max |r-1| below 30 GeV "
              f"{fit.max_deviation():.3f} (config {before.max_deviation():.3f}, untuned {untuned.max_deviation():.3f}) "
              f"[{time.perf_counter() - t0:.0f} s]",
              flush=True)
        tune[boson] = {"untuned": untuned.as_dict(), "config": before.as_dict(), "after": fit.as_dict(),
                       "pythia_fraction_above_56gev": round(float(wt[pt > 56.0].sum() / wt.sum()), 4),
                       "fast_fraction_above_56gev": round(_fraction_above(56.0, fit.params), 4)}

    ratio_pythia = samples["wplus"].gen_weight.sum() / samples["wminus"].gen_weight.sum()
    ratio_fast = cross_section_pb("wplus", gen) / cross_section_pb("wminus", gen)
    result = {
        "benchmark": "pythia_tune",
        "machine": platform.processor() or platform.machine(),
        "pdf_set": setup.pdf_set,
        "pythia_settings_wplus": pythia_settings("wplus", runs["wplus"]["seed"], setup),
        "pythia_settings_zmumu": pythia_settings("zmumu", runs["zmumu"]["seed"], setup),
        "runs": runs,
        "w_plus_over_minus": {"pythia": round(float(ratio_pythia), 4), "fast": round(float(ratio_fast), 4)},
        "tune": tune,
        "tuned_params": {b: {k: round(v, 3) for k, v in tune[b]["after"]["params"].items()} for b in tune},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"W+/W-: Pythia {ratio_pythia:.4f}, fast {ratio_fast:.4f}; wrote {out}")


if __name__ == "__main__":
    main()
