"""The LHAPDF grid reader against Pythia 8's own LHAGrid1 evaluation, and the PDF weights."""

from __future__ import annotations

import numpy as np
import pytest

from wmass.generate.luminosity import build_table
from wmass.generate.processes import generate_truth
from wmass.generate.weights import pdf_table
from wmass.theory.pdf import pdf_weights
from wmass.theory.pdfgrid import available_sets, load_pdf, pdf_data_dir, xfx


def _pythia_pdf(name: str):  # type: ignore[no-untyped-def]
    pythia8mc = pytest.importorskip("pythia8mc")
    py = pythia8mc.Pythia("", False)
    for s in (f"PDF:pSet = LHAGrid1:{name}_0000.dat", "Beams:eCM = 13000.", "ProcessLevel:all = off",
              "Print:quiet = on"):
        py.readString(s)
    assert py.init()
    return py, py.getPDFPtr(2212)


@pytest.mark.parametrize("name", ["NNPDF31_nnlo_as_0118_luxqed", "CT14qed_proton", "NNPDF23_nlo_as_0119_qed"])
def test_grid_reader_matches_pythia(name: str) -> None:
    py, ref_pdf = _pythia_pdf(name)
    rng = np.random.default_rng(7)
    x = 10 ** rng.uniform(-4, np.log10(0.5), 150)
    q = 10 ** rng.uniform(1, 3, 150)
    grid = load_pdf(name)
    rel = []
    for pid in (1, 2, 3, -1, -2, -3, 21):
        ours = xfx(grid, pid, x, q)
        ref = np.array([ref_pdf.xf(pid, xi, qi * qi) for xi, qi in zip(x, q)])
        ok = ref > 1e-2
        rel.append(np.abs(ours[ok] / ref[ok] - 1.0))
    rel_all = np.concatenate(rel)
    assert np.median(rel_all) < 1e-4
    assert np.quantile(rel_all, 0.99) < 1e-3
    assert rel_all.max() < 3e-3


def test_grid_reader_basic_facts() -> None:
    assert "NNPDF31_nnlo_as_0118_luxqed" in available_sets()
    assert pdf_data_dir().is_dir()
    g = load_pdf("NNPDF31_nnlo_as_0118_luxqed")
    # valence: u > d > ubar at x = 0.1; momentum sum rule at Q = 100 GeV
    assert xfx(g, 2, 0.1, 100.0) > xfx(g, 1, 0.1, 100.0) > xfx(g, -2, 0.1, 100.0)
    lnx = np.linspace(np.log(1e-7), np.log(0.999), 4000)
    x = np.exp(lnx)
    tot = sum(xfx(g, pid, x, 100.0) for pid in (21, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5, 22))
    assert np.trapezoid(tot * x, lnx) == pytest.approx(1.0, abs=0.01)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_pdf("NoSuchSet")


@pytest.fixture(scope="module")
def params() -> dict:
    from tests.conftest import REPO
    from wmass.config import load_config

    return load_config(REPO / "config" / "config.yaml")["generator"]


def test_hessian_set_construction(params: dict) -> None:
    tab = pdf_table(params, 80.4)
    assert tab.n_hessian >= 30
    assert 0.8 < tab.explained <= 1.0
    # the eigenvectors are distinct directions: members give different weights
    ev = generate_truth("wplus", 20_000, 0, np.random.default_rng(3), params)
    w = ev.weights["pdf_hessian"]
    assert w.shape == (20_000, tab.n_hessian)
    corr = np.corrcoef((w - 1.0).T)
    assert np.abs(corr[np.triu_indices_from(corr, 1)]).max() < 0.999


def test_alternative_set_weight_is_the_luminosity_ratio(params: dict) -> None:
    """Weight of an alternative set: exact ratio of xf at (x1, x2), and its mean the ratio of cross sections."""
    alt = "NNPDF23_nlo_as_0119_qed"
    tab = pdf_table(params, 80.4)
    ev = generate_truth("wplus", 100_000, 0, np.random.default_rng(4), params)
    col = list(tab.labels).index(f"pdfSet_{alt}")
    w = pdf_weights(ev.x1[:200], ev.x2[:200], ev.id1[:200], ev.id2[:200], tab)[:, col]
    nom, other = load_pdf(params["pdf"]["set"]), load_pdf(alt)
    direct = [xfx(other, int(a), x1, 80.4) * xfx(other, int(b), x2, 80.4)
              / (xfx(nom, int(a), x1, 80.4) * xfx(nom, int(b), x2, 80.4))
              for a, b, x1, x2 in zip(ev.id1[:200], ev.id2[:200], ev.x1[:200], ev.x2[:200])]
    rel = np.abs(w / np.ravel(direct) - 1.0)  # nearest node of a 4096-point ln x table
    assert np.median(rel) < 2e-4 and rel.max() < 1e-2
    ratio = build_table(params, "wplus", alt).sigma_pb / build_table(params, "wplus").sigma_pb
    mean_w = ev.weights["pdf_alt"][:, col - tab.n_hessian].mean()
    assert mean_w == pytest.approx(ratio, rel=4e-3)
    assert abs(ratio - 1.0) > 0.005  # the test has power: the sets differ by more than its tolerance


def test_pdf_weights_of_member_slices(params: dict) -> None:
    """A slice of the members gives those columns of all of them, and each is exp(δ(x1) + δ(x2))."""
    tab = pdf_table(params, 80.4)
    ev = generate_truth("wplus", 2000, 0, np.random.default_rng(5), params)
    args = (ev.x1, ev.x2, ev.id1, ev.id2, tab)
    full = pdf_weights(*args)
    assert full.dtype == np.float32 and full.shape == (2000, len(tab.labels))
    np.testing.assert_array_equal(pdf_weights(*args, members=slice(tab.n_hessian)), full[:, : tab.n_hessian])
    np.testing.assert_array_equal(pdf_weights(*args, members=slice(tab.n_hessian, None)), full[:, tab.n_hessian:])
    assert pdf_weights(*args, members=slice(3, 3)).shape == (2000, 0)
    with pytest.raises(ValueError, match="contiguous"):
        pdf_weights(*args, members=slice(0, 10, 2))
    step = (tab.lnx[-1] - tab.lnx[0]) / (tab.lnx.size - 1)
    ix = [np.clip(np.rint((np.log(x) - tab.lnx[0]) / step), 0, tab.lnx.size - 1).astype(int) for x in (ev.x1, ev.x2)]
    fl = [np.where(pid < 0, pid + 5, pid + 4) for pid in (ev.id1, ev.id2)]
    ln = tab.table[fl[0], ix[0]].astype(float) + tab.table[fl[1], ix[1]]
    np.testing.assert_allclose(full, np.exp(ln), rtol=3e-7)
