"""The report on a small synthetic analysis: tables, images, blinding, unblinded stage, atomic rebuild, browser."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from tests.report import chromium
from tests.report.case import DILEPTON_SHIFT_MEV, MZ_REF_MEV, build_case
from wmass.report import build_report

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_case")
    case = build_case(root)
    t = time.perf_counter()
    index = build_report({"fitinput": {"nonprompt_prior": 0.5}}, root / "report", case.fit_dir, case.unblind_dir)
    return case, index, time.perf_counter() - t


def _images(index: Path) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', index.read_text())


def test_tables(built):
    _, index, _ = built
    page = index.read_text()
    for cls in ("masses", "gates", "impacts", "gof", "status", "nuisances", "pulls"):
        assert f'<table class="{cls}">' in page, cls
    assert page.count('<table class="impacts">') == 2  # nominal and global
    assert "W-like m_Z (flipped charge split) [wlike_flipped]" in page and "Not run (no result.json)" in page
    gates = page[page.index('<table class="gates">'):]
    gates = gates[:gates.index("</table>")]
    assert "open" in gates and "refused" in gates and "not run" in gates
    assert "3.1 sigma away" in gates and '<span class="fail">failed</span>' in gates
    assert "QCD simulation" in page and "50% log-normal" in page and "extended-ABCD" in page
    assert "http://" not in page and "https://" not in page  # no CDN, no external resource


def test_images_exist_and_are_png(built):
    _, index, _ = built
    srcs = _images(index)
    assert len(srcs) >= 20 and len(set(srcs)) == len(srcs)
    for src in srcs:
        assert not src.startswith(("/", "http")), src
        path = index.parent / src
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src
        with Image.open(path) as im:
            im.verify()
    names = " ".join(srcs)
    for want in ("mw_mw_prefit_q0_unrolled", "mw_mw_postfit_q1_unrolled", "mw_pulls", "mw_impacts_massShift",
                 "mw_corr_massShift", "mw_summary", "mw_mw_postfit_q0_pt"):
        assert want in names, want


def _formats(v: float) -> set[str]:
    mev = 100.0 * v
    out = {repr(v), f"{v:.3f}", f"{v:.4f}", f"{v:.5g}", f"{v:.6g}", f"{mev:.1f}", f"{mev:.2f}", f"{mev:.4g}",
           f"{mev:+.1f}", f"{80369.2 + mev:.1f}", f"{MZ_REF_MEV + mev:.1f}"}
    out |= {s.replace("-", "−") for s in out}
    return {s for s in out if len(s.replace(".", "").lstrip("+-−0")) >= 3}  # ≥ 3 significant digits


def test_blinded_values_appear_nowhere(built):
    case, index, _ = built
    blob = b"".join(p.read_bytes() for p in index.parent.rglob("*") if p.is_file())
    assert len(blob) > 100_000
    for fit in case.raw:
        for v in (case.raw[fit], case.blinded[fit]):
            for s in _formats(v):
                assert s.encode() not in blob, (fit, s)
    page = index.read_text()
    masses = page[page.index('<table class="masses">'):]
    masses = masses[:masses.index("</table>")]
    assert masses.count(">blinded<") == 4  # wlike and mw: mass and shift cells


def test_unblinded_stage_shows_its_mass(built):
    _, index, _ = built
    page = index.read_text()
    assert f"{MZ_REF_MEV + DILEPTON_SHIFT_MEV:.1f}" in page and f"{DILEPTON_SHIFT_MEV:+.1f}" in page


def test_cli_rebuilds_atomically(built, tmp_path):
    from wmass.cli.report import report

    case, index, seconds = built
    fits = tmp_path / "fits"  # only the mw fit: the others are "not run"
    shutil.copytree(case.fit_dir / "mw", fits / "mw")
    out = tmp_path / "rep"
    out.mkdir()
    (out / "stale.png").write_bytes(b"old")
    res = CliRunner().invoke(report, ["--config", str(REPO / "config" / "config.yaml"), "--fit-dir", str(fits),
                                      "--unblind-dir", str(tmp_path / "none"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "index.html").is_file() and not (out / "stale.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits", "rep"]  # no temporary folder left
    assert set(_images(out / "index.html")) == {s for s in _images(index) if s.startswith("mw_")}
    assert out.joinpath("index.html").read_text().count("Not run (no result.json)") == 3
    assert seconds < 60


@pytest.mark.chromium
@pytest.mark.skipif(chromium.skip_reason() is not None, reason=str(chromium.skip_reason()))
def test_page_loads_in_headless_chromium(built, tmp_path):
    _, index, _ = built
    exe = chromium.ensure_chromium()
    dom = chromium.dump_dom(exe, index, tmp_path / "profile")
    attrs = chromium.body_attrs(dom)
    n = len(_images(index))
    assert attrs.get("data-images-broken") == "0", attrs
    assert attrs.get("data-images-loaded") == str(n), attrs
    assert dom.count("<table") >= 8 and 'class="gates"' in dom
