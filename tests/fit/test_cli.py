"""`wmass fit` end to end on a small fit input; blinding of result.json."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py

from tests.fit.histfile import read_hist_file
from tests.fit.synthetic import synthetic_input, write_hist_file
from wmass.fit.inputs import write_fit_input


def test_cli_fitinput_and_fit_blinded(tmp_path):
    fi = synthetic_input(nsyst=10, neta=3, npt=4, nproc=3, seed=7)
    hpath = tmp_path / "hists.h5"
    write_hist_file(fi, hpath)
    write_fit_input(read_hist_file(hpath).build(), tmp_path / "fitinput.h5")
    wm = [sys.executable, "-m", "wmass"]
    r = subprocess.run(wm + ["fit", str(tmp_path / "fitinput.h5"), "-o", str(tmp_path / "blind")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r2 = subprocess.run(wm + ["fit", str(tmp_path / "fitinput.h5"), "-o", str(tmp_path / "open"), "--unblind", "--no-asimov"],
                        capture_output=True, text=True)
    assert r2.returncode == 0, r2.stderr
    blind = json.loads((tmp_path / "blind" / "result.json").read_text())
    opened = json.loads((tmp_path / "open" / "result.json").read_text())
    raw = [p for p in opened["parameters"] if p["name"] == "massShift"][0]["value"]
    b = [p for p in blind["parameters"] if p["name"] == "massShift"][0]
    assert b["blinded"] and blind["blinded_parameters"] == ["massShift"]
    assert abs(b["value"] - raw) > 1e-3
    text = (tmp_path / "blind" / "result.json").read_text()
    for fmt in ("{!r}", "{:.6g}", "{:.4f}", "{:.3e}"):
        assert fmt.format(raw) not in text
    assert fmt.format(raw) not in r.stdout + r.stderr
    with h5py.File(tmp_path / "blind" / "cov.h5") as f:
        names = [n.decode() for n in f["names"][...]]
        assert abs(f["x"][names.index("massShift")] - raw) > 1e-3
        assert "provenance" in f.attrs
    assert blind["provenance"]["stage"] == "fit" and blind["minimizer"]["status"] == "converged"
    assert blind["minimizer"]["edm"] < 1e-8


def test_cli_errors(tmp_path):
    wm = [sys.executable, "-m", "wmass"]
    r = subprocess.run(wm + ["fit", str(tmp_path / "missing.h5"), "-o", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "does not exist" in r.stderr
    (tmp_path / "junk.h5").write_text("not hdf5")
    r = subprocess.run(wm + ["fit", str(tmp_path / "junk.h5"), "-o", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 2 and "not an HDF5 file" in r.stderr


def test_fit_options_from_schema_defaults():
    from wmass.config import defaults
    from wmass.fit.driver import FitOptions

    assert FitOptions.from_config(defaults()["fit"]) == FitOptions(
        poi_square=True, bbstat=True, tol=1e-8, max_iter=100, impacts=True, global_impacts=True, asimov=True,
        toys=0, toy_seed=1, scan=(), scan_points=11, device="cpu")


def test_fit_unblinded_by_declaration(tmp_path, monkeypatch):
    """A registry fit without a stage is written as fitted (as with --unblind), and its provenance says so."""
    from click.testing import CliRunner

    from wmass import registry
    from wmass.cli.fit import fit

    monkeypatch.setitem(registry.FITS, "calib_test", registry.Fit("calib_test", "dilepton", ("wplus", "wminus"), "W",
                                                                  "a calibration fit", stage=None))
    fi = synthetic_input(nsyst=10, neta=3, npt=4, nproc=3, seed=7)
    for name, fit_name in (("declared", "calib_test"), ("unblind", "not_a_registry_fit")):
        fi.provenance = {"fit": fit_name, "mass_poi": {"name": "massShift", "units_mev": 100.0}}
        write_fit_input(fi, tmp_path / f"{name}.h5")
    docs, outputs = {}, {}
    for name, extra in (("declared", []), ("unblind", ["--unblind"])):
        res = CliRunner().invoke(fit, [str(tmp_path / f"{name}.h5"), "-o", str(tmp_path / name), "--no-asimov", *extra])
        assert res.exit_code == 0, (res.output, res.exception)
        docs[name], outputs[name] = json.loads((tmp_path / name / "result.json").read_text()), res.output
    assert "unblinded by declaration" in outputs["declared"] and "declaration" not in outputs["unblind"]
    d, u = docs["declared"], docs["unblind"]
    assert not d["blinded"] and d["blinded_parameters"] == []
    value = {k: [p for p in doc["parameters"] if p["name"] == "massShift"][0]["value"] for k, doc in docs.items()}
    assert value["declared"] == value["unblind"]
    prov = d["provenance"]
    assert prov["unblinded_by_declaration"] is True and prov["blinding_stage"] is None and prov["unblinded"] is True
    assert prov["fit"] == "calib_test"
    assert u["provenance"]["unblinded_by_declaration"] is False and u["provenance"]["blinding_stage"] == "not_a_registry_fit"
