"""A small synthetic analysis for the report tests: tiny fit inputs, real fits, blinded results, gates."""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.fit.synthetic import synthetic_input
from wmass.fit.driver import FitOptions, run_fit
from wmass.fit.inputs import Channel, FitInput, write_fit_input
from wmass.fit.results import write_results
from wmass.fit.yields import write_yields

#: Offset added to the mass noi of the blinded fits.
OFFSET = 0.73161
#: The hand-made unblinded dilepton result (MeV).
DILEPTON_SHIFT_MEV, DILEPTON_ERROR_MEV, MZ_REF_MEV = 12.34, 41.7, 91187.6


def tiny_input(masked: bool = False, seed: int = 3) -> FitInput:
    """3 η × 4 pT × 2 charges as one channel (charge, eta, pt), 4 processes, 12 systematics.

    ``masked``: a second, masked copy of the channel (no data) is appended.
    """
    fi = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, seed=seed, asymmetric=True)
    axes = (("charge", (-2.0, 0.0, 2.0)),) + fi.channels[0].axes
    chans: tuple[Channel, ...] = (Channel("mw", axes),)
    fi = dataclasses.replace(fi, channels=chans)
    fi.provenance = {"analysis": "mw", "lumi_pb": 6.9, "mass_poi": {"name": "massShift", "units_mev": 100.0},
                     "options": {"nonprompt_prior": 0.5}}
    if masked:
        nb = fi.nominal.shape[0]
        lk = fi.logk
        idx = np.concatenate([lk.indices, lk.indices + np.array([nb, 0, 0])])
        order = np.lexsort((idx[:, 2], idx[:, 1], idx[:, 0]))
        hd = None if lk.halfdiff is None else np.concatenate([lk.halfdiff, lk.halfdiff])[order]
        logk = dataclasses.replace(lk, shape=(2 * nb, lk.shape[1], lk.shape[2]), indices=idx[order],
                                   avg=np.concatenate([lk.avg, lk.avg])[order], halfdiff=hd)
        fi = dataclasses.replace(fi, channels=chans + (Channel("masked", axes, True),), logk=logk,
                                 nominal=np.concatenate([fi.nominal, 0.5 * fi.nominal]),
                                 sumw=np.concatenate([fi.sumw, 0.5 * fi.sumw]),
                                 sumw2=np.concatenate([fi.sumw2, 0.25 * fi.sumw2]))
    return fi


@dataclass
class Case:
    """The folders of a built case and the raw/blinded values that must never be shown."""

    fit_dir: Path
    unblind_dir: Path
    raw: dict[str, float]       # fit -> raw massShift
    blinded: dict[str, float]   # fit -> result.json value (raw + offset)


def _gate(base: Path, stage: str, status: str, checks: list[dict[str, Any]], results: dict[str, Any] | None) -> None:
    doc = {"stage": stage, "status": status, "checks": checks, "when": "2026-11-23T12:00:00+00:00",
           "who": "tester@host", "config_hash": "abc123"}
    (base / stage).mkdir(parents=True, exist_ok=True)
    (base / stage / "gate.json").write_text(json.dumps(doc))
    if results is not None:
        (base / stage / "unblinded.json").write_text(json.dumps({**doc, "results": results}))


def build_case(root: Path) -> Case:
    """Fits dilepton, wlike, mw (wlike_flipped missing), all blinded; gates: dilepton open, wlike refused, mw not run."""
    fi = tiny_input()
    opts = FitOptions(asimov=True)
    out = run_fit(fi, opts)
    fit_dir, unblind_dir = root / "fit", root / "unblind"
    raw, blinded = {}, {}
    for k, name in enumerate(("dilepton", "wlike", "mw")):
        d = fit_dir / name
        d.mkdir(parents=True)
        write_fit_input(fi, d / "input.h5")
        doc = write_results(out, fi, d, blind=True, offset=OFFSET + k, provenance={"stage": "fit"})
        write_yields(d / "yields.h5", fi, out, opts, {"stage": "fit"})
        raw[name] = float(out["x"][out["names"].index("massShift")])
        blinded[name] = next(p["value"] for p in doc["parameters"] if p["name"] == "massShift")
    shutil.copy(fit_dir / "mw" / "input.h5", root / "spare_input.h5")  # wlike_flipped: input but no result
    _gate(unblind_dir, "dilepton", "open", [{"name": "dilepton: convergence", "passed": True, "detail": "EDM ok"}],
          {"dilepton": {"massShift": {"shift_mev": DILEPTON_SHIFT_MEV, "error_mev": DILEPTON_ERROR_MEV,
                                      "mass_mev": MZ_REF_MEV + DILEPTON_SHIFT_MEV, "reference_mev": MZ_REF_MEV}}})
    _gate(unblind_dir, "wlike", "refused", [{"name": "wlike: goodness of fit", "passed": True, "detail": "p = 0.5"},
                                            {"name": "dilepton vs LEP", "passed": False, "detail": "3.1 sigma away"}],
          None)
    return Case(fit_dir, unblind_dir, raw, blinded)
