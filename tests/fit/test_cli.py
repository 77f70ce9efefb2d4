"""`wmass fit` end to end on a small fit input; blinding of result.json."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py

from wmass.fit.histfile import read_hist_file
from wmass.fit.inputs import write_fit_input
from wmass.fit.synthetic import synthetic_input, write_hist_file


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
