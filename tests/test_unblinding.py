"""Blinding offsets and the gates of the sequential unblinding (wmass.blinding, wmass.unblinding)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from wmass import constants
from wmass.blinding import noi_offset, offset_mev, stage_of_fit
from wmass.cli import cli
from wmass.config import stage_hash, validate_config, write_resolved
from wmass.unblinding import evaluate_gate, gate_hash, open_gate, stages_through

UNITS = 100.0  # MeV per unit of the mass parameter


@pytest.fixture
def cfg(base_config) -> dict:
    return validate_config(dict(base_config))


def write_fit(cfg: dict, fit_dir: Path, fit: str, shift_mev: float, error_mev: float = 40.0,
              p_value: float = 0.4, edm: float = 1e-10, status: str = "converged") -> None:
    """A fit result as `wmass fit` writes it (blinded), for a raw mass shift of ``shift_mev``."""
    off = noi_offset(cfg["blinding"], stage_of_fit(fit), UNITS)("massShift")
    doc = {"provenance": {"config_hash": stage_hash(cfg, "fit")},
           "minimizer": {"status": status, "edm": edm, "iterations": 5},
           "gof": {"chi2": 100.0, "ndf": 100, "p_value": p_value},
           "parameters": [{"name": "massShift", "kind": "noi", "value": shift_mev / UNITS + off,
                           "error": error_mev / UNITS, "blinded": True},
                          {"name": "lumi", "kind": "constrained", "value": 0.1, "error": 0.9, "blinded": False}]}
    (fit_dir / fit).mkdir(parents=True, exist_ok=True)
    (fit_dir / fit / "result.json").write_text(json.dumps(doc))


def test_offsets_are_secret_deterministic_and_in_range():
    a = offset_mev("secret-one", "mw", "massShift", 100.0)
    assert a == offset_mev("secret-one", "mw", "massShift", 100.0)
    assert 50.0 <= abs(a) <= 100.0
    assert a != offset_mev("secret-two", "mw", "massShift", 100.0)
    assert a != offset_mev("secret-one", "dilepton", "massShift", 100.0)
    many = np.array([offset_mev(f"s{i}", "mw", "massShift", 80.0) for i in range(400)])
    assert np.all((np.abs(many) >= 40.0) & (np.abs(many) <= 80.0))
    assert 0.35 < np.mean(many > 0) < 0.65  # both signs
    # the two W-like fits share the W-like stage's offset, so they stay comparable while blind
    assert stage_of_fit("wlike") == stage_of_fit("wlike_flipped") == "wlike"
    with pytest.raises(ValueError, match="range_mev"):
        offset_mev("secret-one", "mw", "massShift", 0.0)


def test_dilepton_gate_opens_and_recovers_the_raw_mass(cfg, tmp_path):
    write_fit(cfg, tmp_path / "fit", "dilepton", shift_mev=-12.5)
    d = evaluate_gate(cfg, "dilepton", tmp_path / "fit", tmp_path / "unblind")
    assert d.open, d.failed()
    r = d.results["dilepton"]["massShift"]
    assert r["shift_mev"] == pytest.approx(-12.5, abs=1e-9)
    assert r["mass_mev"] == pytest.approx(constants.M_Z * 1e3 - 12.5, abs=1e-9)
    doc = open_gate(cfg, d, tmp_path / "unblind")
    assert doc["status"] == "open" and doc["config_hash"] == gate_hash(cfg)
    saved = json.loads((tmp_path / "unblind/dilepton/unblinded.json").read_text())
    assert saved["results"]["dilepton"]["massShift"]["shift_mev"] == pytest.approx(-12.5)


def test_gates_open_in_order_and_refuse_an_inconsistent_mz(cfg, tmp_path):
    fit, ub = tmp_path / "fit", tmp_path / "unblind"
    for f in ("wlike", "wlike_flipped"):
        write_fit(cfg, fit, f, shift_mev=20.0, error_mev=120.0)
    # W-like before dilepton: refused, naming the missing previous stage
    d = evaluate_gate(cfg, "wlike", fit, ub)
    assert not d.open and [c.name for c in d.failed()] == ["dilepton unblinded"]
    # inject a dilepton m_Z 300 MeV below the simulation's m_Z: 7σ from LEP with σ = 40 MeV
    write_fit(cfg, fit, "dilepton", shift_mev=-300.0, error_mev=40.0)
    open_gate(cfg, evaluate_gate(cfg, "dilepton", fit, ub), ub)
    d = evaluate_gate(cfg, "wlike", fit, ub)
    assert not d.open
    (bad,) = d.failed()
    assert bad.name == "dilepton: consistent with m_Z(LEP)"
    pull = (constants.M_Z * 1e3 - 300.0 - constants.M_Z_LEP * 1e3) / np.hypot(40.0, constants.M_Z_LEP_ERR * 1e3)
    assert f"{abs(pull):.2f}σ" in bad.detail and "limit 2σ" in bad.detail
    gate = open_gate(cfg, d, ub)
    assert gate["status"] == "refused" and not (ub / "wlike/unblinded.json").exists()
    # a consistent dilepton m_Z opens the W-like gate, then the m_W gate
    write_fit(cfg, fit, "dilepton", shift_mev=-30.0, error_mev=40.0)
    open_gate(cfg, evaluate_gate(cfg, "dilepton", fit, ub), ub)
    assert open_gate(cfg, evaluate_gate(cfg, "wlike", fit, ub), ub)["status"] == "open"
    write_fit(cfg, fit, "mw", shift_mev=15.0, error_mev=70.0)
    d = evaluate_gate(cfg, "mw", fit, ub)
    assert d.open, d.failed()
    assert d.results["mw"]["massShift"]["mass_mev"] == pytest.approx(constants.M_W * 1e3 + 15.0)


def test_own_fit_checks_refuse_without_revealing_the_blinded_mass(cfg, tmp_path):
    fit, ub = tmp_path / "fit", tmp_path / "unblind"
    write_fit(cfg, fit, "dilepton", shift_mev=-37.25, p_value=1e-4, edm=1e-3, status="max_iter")
    d = evaluate_gate(cfg, "dilepton", fit, ub)
    assert {c.name for c in d.failed()} == {"dilepton: convergence", "dilepton: goodness of fit"}
    assert d.results is None
    text = json.dumps(open_gate(cfg, d, ub))
    blinded = json.loads((fit / "dilepton/result.json").read_text())["parameters"][0]["value"]
    for secret in ("37.2", "-0.3725", f"{blinded:.4f}", f"{blinded * UNITS:.1f}"):
        assert secret not in text


def test_a_changed_configuration_invalidates_the_previous_gate(cfg, tmp_path):
    fit, ub = tmp_path / "fit", tmp_path / "unblind"
    write_fit(cfg, fit, "dilepton", shift_mev=0.0)
    open_gate(cfg, evaluate_gate(cfg, "dilepton", fit, ub), ub)
    changed = validate_config({**cfg, "unblinding": {**cfg["unblinding"], "max_pull": 3.0}})
    for f in ("wlike", "wlike_flipped"):
        write_fit(changed, fit, f, shift_mev=0.0)
    d = evaluate_gate(changed, "wlike", fit, ub)
    assert [c.name for c in d.failed()] == ["dilepton unblinded"]
    assert "config hash" in d.failed()[0].detail
    # `through` chooses which gates run but is not part of what a gate vouches for
    assert gate_hash({**cfg, "unblinding": {**cfg["unblinding"], "through": "none"}}) == gate_hash(cfg)
    assert [s.name for s in stages_through("wlike")] == ["dilepton", "wlike"] and stages_through("none") == []


def test_cli_exit_status_and_refusal_message(cfg, tmp_path):
    conf = write_resolved(cfg, tmp_path / "config.yaml")
    fit, ub = tmp_path / "fit", tmp_path / "unblind"
    write_fit(cfg, fit, "dilepton", shift_mev=-300.0)
    for f in ("wlike", "wlike_flipped"):
        write_fit(cfg, fit, f, shift_mev=0.0)
    args = ["--config", str(conf), "--fit-dir", str(fit), "--unblind-dir", str(ub)]
    runner = CliRunner()
    res = runner.invoke(cli, ["unblind", "dilepton", *args])
    assert res.exit_code == 0 and "gate open" in res.output
    res = runner.invoke(cli, ["unblind", "wlike", *args])
    assert res.exit_code == 3
    assert "gate refused" in res.output and "consistent with m_Z(LEP)" in res.output and "limit 2σ" in res.output
    res = runner.invoke(cli, ["unblind", "wlike", "--record-refusal", *args])
    assert res.exit_code == 0
    assert json.loads((ub / "wlike/gate.json").read_text())["status"] == "refused"
    res = runner.invoke(cli, ["unblind", "mw", *args])
    assert res.exit_code == 3 and "wlike/unblinded.json does not exist" in res.output
