"""FitInputBuilder from hist objects: log κ conventions (rabbit TensorWriter), syst axes, sparse = dense."""

from __future__ import annotations

import hist
import numpy as np
import pytest

from wmass.errors import InputError
from wmass.fit.builder import FitInputBuilder, logk_from_variation


def _h(values, storage=None):
    h = hist.Hist(hist.axis.Regular(2, 0, 2, name="eta"), hist.axis.Regular(3, 0, 3, name="pt"),
                  storage=storage or hist.storage.Double())
    if isinstance(values, tuple):
        h.view()["value"], h.view()["variance"] = values
    else:
        h.view()[...] = values
    return h


def _builder():
    nom = np.arange(1.0, 7.0).reshape(2, 3) * 100
    b = FitInputBuilder()
    b.add_channel("plus", _h(nom).axes)
    b.add_data("plus", _h(nom))
    b.add_process("plus", "wplus", _h((nom, nom / 4), hist.storage.Weight()), signal=True)
    b.add_process("plus", "zmumu", _h(nom / 10))
    syst = hist.Hist(*_h(nom).axes, hist.axis.StrCategory(["a", "b"], name="syst"),
                     hist.axis.StrCategory(["down", "up"], name="downup"))
    syst.view()[...] = nom[:, :, None, None] * np.array([[0.9, 1.2], [1.0, 1.0]])[None, None]
    syst.view()[1, 2, 1, :] = [0.95, 1.05]  # "b" acts in one bin only
    b.add_systematics("plus", "wplus", syst, group="eff")
    b.add_norm("lumi", ["wplus", "zmumu"], 1.02)
    shape = 1.0 + 0.02 * np.array([[-1.0, 0.0, 1.0], [1.0, -0.5, 0.3]])
    b.add_systematic("plus", "wplus", "mass", _h(nom * shape), _h(nom / shape), constrained=False, noi=True)
    return b, nom


def test_logk_conventions_and_sparsity():
    b, nom = _builder()
    fi = b.build(sparse=True)
    assert fi.systs == ("a", "b", "lumi", "mass") and fi.pois == {"wplus": ("wplus",)}
    idx, avg, hd = fi.logk.indices, fi.logk.avg, fi.logk.halfdiff
    sel = idx[:, 2] == fi.systs.index("a")
    up, dn = np.log(1.2), -np.log(0.9)
    np.testing.assert_allclose(avg[sel], 0.5 * (up + dn))
    np.testing.assert_allclose(hd[sel], 0.5 * (up - dn))
    assert np.sum(idx[:, 2] == fi.systs.index("b")) == 1  # only the one bin is stored
    assert np.sum(idx[:, 2] == fi.systs.index("lumi")) == 12
    np.testing.assert_allclose(fi.sumw2[:, 0], (nom / 4).ravel())
    dense = _builder()[0].build(sparse=False)
    np.testing.assert_allclose(dense.logk.avg[tuple(idx.T)], avg)
    assert np.count_nonzero(dense.logk.avg) == len(avg)
    assert not fi.constrained[fi.systs.index("mass")] and fi.noi[fi.systs.index("mass")]


def test_builder_errors():
    assert logk_from_variation(np.array([-1.0]), np.array([2.0]))[0] == pytest.approx(np.log(1e-3))
    b, nom = _builder()
    with pytest.raises(InputError, match="axes"):
        b.add_data("plus", hist.Hist(hist.axis.Regular(6, 0, 6, name="x")))
    bad = nom.copy()
    bad[0, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        b.add_process("plus", "qcd", _h(bad))


def test_masked_channel_is_kept_out_of_the_likelihood():
    import jax

    from wmass.fit.driver import FitOptions, run_fit
    from wmass.fit.model import build_model

    b, nom = _builder()
    b.add_channel("xsec", [hist.axis.Regular(2, 0, 2, name="y")], masked=True)
    b.add_process("xsec", "wplus", np.array([5.0, 6.0]), signal=True)
    fi = b.build()
    assert fi.nominal.shape[0] == 8 and fi.nbins_fit == 6 and list(fi.fit_bins()) == list(range(6))
    with jax.enable_x64(True):
        m, _ = build_model(fi)
    assert m.nu0.shape == (6, 2)
    out = run_fit(fi, FitOptions(global_impacts=False))
    assert out["minimizer"]["status"] == "converged"


def test_degenerate_parameters_are_named():
    from wmass.fit.covariance import FitError
    from wmass.fit.driver import run_fit

    b, nom = _builder()
    b.add_systematic("plus", "wplus", "flat", _h(nom * 1.05), constrained=False)  # same effect as the POI
    with pytest.raises(FitError, match=r"not positive definite.*(wplus|flat)"):
        run_fit(b.build())


def test_logk_zero_drops_only_residues():
    """Stored compactly; the default keeps every non-zero entry, logk_zero drops |log κ| ≤ it (wmass fitinput's)."""
    from wmass.fit.builder import LOGK_ZERO

    nom = np.arange(1.0, 7.0).reshape(2, 3) * 100
    tiny = nom * (1.0 + np.array([[0.0, 1e-14, 0.1], [0.0, 0.0, -1e-13]]))
    built = {}
    for zero in (0.0, LOGK_ZERO):
        b = FitInputBuilder(logk_zero=zero)
        b.add_channel("plus", _h(nom).axes)
        b.add_data("plus", _h(nom))
        b.add_process("plus", "wplus", _h(nom), signal=True)
        b.add_systematic("plus", "wplus", "s", _h(tiny))
        b.add_systematic("plus", "wplus", "a", _h(nom * 1.01), _h(nom * (1.0 - 1e-14)))  # halfdiff keeps every bin
        built[zero] = b.build(sparse=True)
    keep, lean = built[0.0].logk, built[LOGK_ZERO].logk
    assert keep.nnz == 3 + 6 and lean.nnz == 1 + 6
    s = built[0.0].systs.index("s")
    assert keep.indices[keep.indices[:, 2] == s, 0].tolist() == [1, 2, 5]
    assert lean.indices[lean.indices[:, 2] == s, 0].tolist() == [2]
    same = np.isin(keep.indices[:, 0], [0, 2, 3, 4]) | (keep.indices[:, 2] != s)
    assert np.array_equal(keep.indices[same], lean.indices) and np.array_equal(keep.avg[same], lean.avg)
    with pytest.raises(InputError, match="logk_zero"):
        FitInputBuilder(logk_zero=-1.0)
