"""`wmass fitinput` (wmass.cli.fitinput.fitinput_analysis): files named by their metadata, provenance, errors."""

from __future__ import annotations

from click.testing import CliRunner

from wmass.cli.fitinput import fitinput_analysis
from wmass.config import stage_hash
from wmass.errors import InputError
from wmass.fit.inputs import read_fit_input


def test_cli_writes_fit_input(tmp_path, tiny_set):
    out = tmp_path / "fit" / "dilepton" / "input.h5"
    files = [str(p) for p in tiny_set.files("dilepton").values()]
    res = CliRunner().invoke(fitinput_analysis, ["--config", str(tiny_set.config_few), "--analysis", "dilepton",
                                                 "--out", str(out), *files])
    assert res.exit_code == 0, (res.output, res.exception)
    assert "prefit/data" in res.output
    fi = read_fit_input(out)
    assert fi.nominal.shape == (2880, len(fi.processes))
    prov = fi.provenance["provenance"]
    assert prov["stage"] == "fitinput" and prov["config_hash"] == stage_hash(tiny_set.cfg_few, "fitinput")
    assert fi.provenance["options"]["histogram_hash"] == stage_hash(tiny_set.cfg_few, "histogram")
    assert sorted(prov["inputs"]) == sorted(files)
    assert [p.name for p in out.parent.iterdir()] == ["input.h5"]  # written atomically, nothing left over


def test_cli_refuses_wrong_analysis(tmp_path, tiny_set):
    files = [str(p) for p in tiny_set.files("wlike").values()]
    res = CliRunner().invoke(fitinput_analysis, ["--config", str(tiny_set.config_few), "--analysis", "dilepton",
                                                 "--out", str(tmp_path / "x.h5"), *files])
    assert res.exit_code != 0 and isinstance(res.exception, InputError)
    assert "expected 'dilepton'" in str(res.exception)
    assert not (tmp_path / "x.h5").exists()
