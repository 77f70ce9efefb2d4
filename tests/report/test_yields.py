"""Prefit/postfit yields of wmass.fit.yields against an independent dense JAX model of the totals."""

from __future__ import annotations

import dataclasses

import h5py
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tests.report.case import tiny_input
from wmass.fit.driver import FitOptions, run_fit
from wmass.fit.inputs import FitInput
from wmass.fit.yields import expected_yields, write_yields


def _dense(fi: FitInput, key: str) -> np.ndarray:
    out = np.zeros(fi.logk.shape)
    vals = fi.logk.avg if key == "avg" else fi.logk.halfdiff
    np.add.at(out, tuple(fi.logk.indices.T), vals)
    return out


def _total_fn(fi: FitInput, bbstat: bool, with_beta: bool):
    """Total expected yield per bin (all bins) as an explicit dense function of x = (POIs, θ)."""
    avg, hd = jnp.asarray(_dense(fi, "avg")), jnp.asarray(_dense(fi, "halfdiff"))
    nom = jnp.asarray(np.maximum(fi.nominal, 0.0))
    npoi = len(fi.pois)
    scaled = np.array([[p in procs for p in fi.processes] for procs in fi.pois.values()], dtype=float)  # [j, p]
    fb = fi.fit_bins()
    n = np.zeros(fi.nominal.shape[0])
    n[fb] = fi.data_obs
    sw, sw2 = fi.sumw.sum(axis=1), fi.sumw2.sum(axis=1)
    free = np.zeros(len(n), bool)
    free[fb] = bbstat & (sw2[fb] > 0)
    k = np.where(free, sw**2 / np.where(sw2 > 0, sw2, 1.0), 1.0)

    def total(x):
        poi, th = x[:npoi], x[npoi:]
        t = 2.0 * th
        a = jnp.clip(0.125 * t * (t * t * (3.0 * t * t - 10.0) + 15.0), -1.0, 1.0)
        eta = jnp.einsum("bps,s->bp", avg, th) + jnp.einsum("bps,s->bp", hd, th * a)
        r = 1.0 + jnp.asarray(scaled.T) @ (poi**2 - 1.0)  # r_p = poi² for scaled processes
        nu = jnp.sum(r[None, :] * nom * jnp.exp(eta), axis=1)
        if not with_beta:
            return nu
        beta = jnp.where(free, (n + k) / (nu + k), 1.0)
        return nu * beta
    return total


@pytest.fixture(scope="module")
def fitted():
    fi = tiny_input(masked=True)
    opts = FitOptions(impacts=False, global_impacts=False)
    return fi, opts, run_fit(fi, opts)


def test_prefit_is_nominal_and_postfit_at_x0_is_prefit(fitted):
    fi, opts, out = fitted
    x0 = np.concatenate([np.ones(len(fi.pois)), np.zeros(len(fi.systs))])
    nobb = dataclasses.replace(opts, bbstat=False)
    y = expected_yields(fi, {**out, "x": x0}, nobb)
    assert y["prefit"].shape == fi.nominal.shape  # masked channel included
    np.testing.assert_allclose(y["prefit"].sum(axis=1), np.maximum(fi.nominal, 0).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(y["postfit"], y["prefit"], rtol=1e-12)
    # with BB-lite, postfit at x0 is prefit times β = (n + k)/(ν + k) in the fit bins, β = 1 in masked bins
    yb = expected_yields(fi, {**out, "x": x0}, opts)
    ratio = yb["postfit"].sum(axis=1) / yb["prefit"].sum(axis=1)
    masked = np.setdiff1d(np.arange(fi.nominal.shape[0]), fi.fit_bins())
    np.testing.assert_allclose(ratio[masked], 1.0, rtol=1e-12)
    fb = fi.fit_bins()
    k = fi.sumw[fb].sum(1) ** 2 / fi.sumw2[fb].sum(1)
    nu = fi.nominal[fb].sum(1)
    np.testing.assert_allclose(ratio[fb], (fi.data_obs + k) / (nu + k), rtol=1e-10)
    assert not np.allclose(ratio[fb], 1.0)


def test_uncertainties_match_explicit_jacobian(fitted):
    fi, opts, out = fitted
    y = expected_yields(fi, out, opts)
    with jax.enable_x64(True):
        x = jnp.asarray(out["x"])
        tot = _total_fn(fi, opts.bbstat, True)
        np.testing.assert_allclose(y["postfit"].sum(axis=1), np.asarray(tot(x)), rtol=1e-10)
        j = np.asarray(jax.jacfwd(tot)(x))
        x0 = jnp.concatenate([jnp.ones(len(fi.pois)), jnp.zeros(len(fi.systs))])
        j0 = np.asarray(jax.jacfwd(_total_fn(fi, opts.bbstat, False))(x0))
    want = np.sqrt(np.einsum("bi,ij,bj->b", j, out["cov"], j))
    np.testing.assert_allclose(y["postfit_total_err"], want, rtol=1e-7)
    prior = np.concatenate([np.zeros(len(fi.pois)), np.where(fi.constrained, 1.0 / np.maximum(fi.weight, 1e-300), 0.0)])
    np.testing.assert_allclose(y["prefit_total_err"], np.sqrt((j0**2) @ prior), rtol=1e-7)
    # projections: the band of a sum of bins includes the bin correlations
    for (chan, axes), (_pre, post) in y["projections"].items():
        if (chan, axes) != ("mw", ("pt",)):
            continue
        a = np.zeros((4, j.shape[0]))
        a[np.arange(24) % 4, np.arange(24)] = 1.0  # channel mw = bins 0..23, pt innermost (4 bins)
        ja = a @ j
        np.testing.assert_allclose(post, np.sqrt(np.einsum("bi,ij,bj->b", ja, out["cov"], ja)), rtol=1e-7)
        break
    else:
        pytest.fail("no pt projection of channel mw")


def test_yields_file(fitted, tmp_path):
    fi, opts, out = fitted
    write_yields(tmp_path / "yields.h5", fi, out, opts, {"stage": "test"})
    with h5py.File(tmp_path / "yields.h5") as f:
        assert f.attrs["format"] == "wmass-yields"
        top = set(f.keys())
        assert top == {"processes", "channels", "prefit", "postfit", "prefit_total_err", "postfit_total_err",
                       "data", "fit_bins", "projections"}
        assert f["prefit"].shape == fi.nominal.shape and f["data"].shape == fi.data_obs.shape
        assert "x" not in top and "massShift" not in f.attrs["provenance"]
    assert not list(tmp_path.glob(".*tmp"))
