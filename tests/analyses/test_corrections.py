"""Efficiency SFs and the momentum calibration from correctionlib files (the interfaces documented
in wmass.analyses.efficiency and wmass.analyses.muonscale), on tiny hand-made files."""

from __future__ import annotations

import dataclasses

import correctionlib.schemav2 as cs
import numpy as np
import pytest

from wmass.analyses import make_processor
from wmass.analyses.efficiency import STEPS
from wmass.analyses.runner import run_processor

SF, STAT, SYST, SCALE = 0.98, 0.003, 0.004, 1.002


def _const(name: str, inputs: list[tuple[str, str]], value: float) -> cs.Correction:
    return cs.Correction(name=name, version=1, inputs=[cs.Variable(name=n, type=t) for n, t in inputs],
                         output=cs.Variable(name="out", type="real"), data=value)


def _write(path, corrections) -> str:  # type: ignore[no-untyped-def]
    path.write_text(cs.CorrectionSet(schema_version=2, corrections=corrections).model_dump_json(exclude_unset=True))
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corr")
    kin = [("eta", "real"), ("pt", "real"), ("charge", "real")]
    eff = []
    for step in STEPS:
        eff += [_const(f"sf_{step}", kin, SF), _const(f"sf_{step}_stat", [*kin, ("eigen", "int")], STAT),
                _const(f"sf_{step}_syst", kin, SYST)]
    pt_corr = cs.Correction(name="pt_corrected", version=1,
                            inputs=[cs.Variable(name=n, type="real") for n in ("pt", "eta", "charge")],
                            output=cs.Variable(name="pt", type="real"),
                            data=cs.Formula(nodetype="formula", expression=f"{SCALE}*x", parser="TFormula", variables=["pt"]))
    sigma = _const("scale_sigma", [("eta", "real"), ("param", "string")], 1e-4)
    return _write(tmp / "sf.json", eff), _write(tmp / "calib.json", [pt_corr, sigma])


def test_efficiency_file(synth_file, all_groups, files):
    base = run_processor(make_processor("mw", dataclasses.replace(all_groups, groups=frozenset({"eff_stat"}))), [str(synth_file)])
    opts = dataclasses.replace(all_groups, groups=frozenset({"eff_stat", "eff_syst"}), efficiency_file=files[0])
    out = run_processor(make_processor("mw", opts), [str(synth_file)])
    ratio = out["hists"]["nominal"].values().sum() / base["hists"]["nominal"].values().sum()
    assert ratio == pytest.approx(SF ** len(STEPS), rel=1e-6)
    h = out["hists"]["syst_eff_stat"].values()
    assert np.allclose(h[..., 1:], h[..., :1] * (1 + STAT), rtol=1e-6, atol=1e-6)
    h = out["hists"]["syst_eff_syst"].values()
    assert np.allclose(h[..., 1:], h[..., :1] * (1 + SYST), rtol=1e-6, atol=1e-6)


def test_calibration_file(synth_file, all_groups, files):
    opts = dataclasses.replace(all_groups, groups=frozenset({"muon_scale"}))
    plain = run_processor(make_processor("mw", opts), [str(synth_file)])
    calib = run_processor(make_processor("mw", dataclasses.replace(opts, calibration_file=files[1])), [str(synth_file)])
    centres = np.arange(26.5, 56.0)
    mean = [(centres * o["hists"]["nominal"].project("pt").values()).sum() / o["hists"]["nominal"].project("pt").values().sum()
            for o in (plain, calib)]
    assert mean[1] - mean[0] == pytest.approx(40 * (SCALE - 1), rel=0.5)  # pT scaled by 1.002
    assert calib["hists"]["syst_muon_scale"].axes["muon_scale"].size == 5
