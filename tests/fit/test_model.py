"""Likelihood, explicit Hessian, BB-lite, input format: exact checks on tiny inputs."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

from tests.fit.synthetic import synthetic_input
from wmass.errors import InputError
from wmass.fit.hessian import assemble_hessian, hessian_factors, make_design
from wmass.fit.inputs import LogK, read_fit_input, write_fit_input
from wmass.fit.model import alpha, beta_profiled, build_model, x0
from wmass.fit.model import nll as _nll

nll = jax.jit(_nll)


def _point(m, seed=0, scale=0.3):
    return x0(m) + jnp.asarray(np.random.default_rng(seed).normal(0, scale, m.nparams))


def test_alpha_hand_values():
    # combine's smoothStepFunc at x = 2θ: α(0)=0, α(0.25)=⅛·0.5·(0.25·(0.75−10)+15)=0.79296875, |θ|≥½ → ±1
    got = np.asarray(alpha(jnp.array([0.0, 0.25, -0.25, 0.5, 2.0, -3.0])))
    np.testing.assert_allclose(got, [0, 0.79296875, -0.79296875, 1, 1, -1], rtol=1e-15)


def test_gradient_vs_finite_differences(tiny):
    m, o = build_model(tiny)
    x = _point(m)
    g = np.asarray(jax.jit(jax.grad(_nll))(x, m, o))
    eps = 1e-4  # central differences, 4th-order (Richardson): truncation ~eps⁴, rounding ~1e-16·|L|/eps
    f = lambda i, h: float(nll(x.at[i].add(h), m, o))  # noqa: E731
    fd = np.array([(8 * (f(i, eps) - f(i, -eps)) - (f(i, 2 * eps) - f(i, -2 * eps))) / (12 * eps) for i in range(m.nparams)])
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-8 * np.abs(g).max())


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("asym", [True, False])
def test_explicit_hessian_vs_jax_hessian(sparse, asym):
    fi = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, sparse=sparse, asymmetric=asym, seed=3)
    m, o = build_model(fi)
    for seed in range(3):
        x = _point(m, seed)
        h = assemble_hessian(make_design(m), m, hessian_factors(x, m, o), "exact")
        hj = np.asarray(jax.jit(jax.hessian(_nll))(x, m, o))
        np.testing.assert_allclose(h, hj, rtol=1e-10, atol=1e-10 * np.abs(hj).max())


def test_bb_lite_beta_analytic_vs_numeric(tiny):
    m, o = build_model(tiny)
    x = _point(m)
    from wmass.fit.model import yields

    nu = np.asarray(jnp.sum(yields(x, m), axis=1))
    beta = np.asarray(beta_profiled(jnp.asarray(nu), m, o))
    n, k = np.asarray(o.nobs), np.asarray(m.kstat)
    for b in range(0, len(nu), 5):
        f = lambda be, b=b: be * nu[b] - n[b] * np.log(be * nu[b]) - k[b] * np.log(be) + k[b] * be  # noqa: E731
        num = scipy.optimize.minimize_scalar(f, bounds=(1e-3, 10), method="bounded", options={"xatol": 1e-12}).x
        assert beta[b] == pytest.approx(num, rel=1e-7)


def test_sparse_and_dense_storage_identical(tmp_path):
    fs = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, sparse=True, asymmetric=True, seed=3)
    fd = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, sparse=False, asymmetric=True, seed=3)
    for fi, name in ((fs, "s.h5"), (fd, "d.h5")):
        write_fit_input(fi, tmp_path / name)
    rs, rd = read_fit_input(tmp_path / "s.h5"), read_fit_input(tmp_path / "d.h5")
    assert rs.logk.sparse and not rd.logk.sparse
    ms, os_ = build_model(rs)
    md, od = build_model(rd)
    x = _point(ms)
    assert float(nll(x, ms, os_)) == pytest.approx(float(nll(x, md, od)), rel=1e-14)
    np.testing.assert_allclose(jax.grad(nll)(x, ms, os_), jax.grad(nll)(x, md, od), rtol=1e-12, atol=1e-13)


def test_bad_inputs_are_named(tmp_path, tiny):
    with pytest.raises(InputError, match="does not exist"):
        read_fit_input(tmp_path / "nope.h5")
    bad = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, seed=3)
    bad.nominal[7, 2] = np.nan
    with pytest.raises(InputError, match=r"nominal is NaN at bin 7 \(channel ch0, bin 7\), process zmumu"):
        write_fit_input(bad, tmp_path / "bad.h5")
    import h5py
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(InputError, match="not a wmass-fitinput file"):
        read_fit_input(tmp_path / "other.h5")
    broken = synthetic_input(nsyst=12, neta=3, npt=4, nproc=4, seed=3)
    broken.logk = LogK(shape=(1, 1, 1), avg=np.zeros(1), indices=np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(InputError, match="logk has shape"):
        broken.validate()


def test_arrow_factor_and_group_impact_paths():
    from wmass.fit.impacts import _group_impact
    from wmass.fit.linalg import ArrowFactor

    rng = np.random.default_rng(0)
    n, blocks = 40, [np.arange(0, 10), np.arange(10, 25), np.array([30, 31, 35])]
    a = rng.normal(size=(n, n))
    h = a @ a.T + n * np.eye(n)
    for i, b in enumerate(blocks):  # make the local blocks mutually uncoupled
        for j, c in enumerate(blocks):
            if i != j:
                h[np.ix_(b, c)] = 0.0
    f = ArrowFactor.factor(h, blocks)
    g = rng.normal(size=n)
    np.testing.assert_allclose(f.solve(g), np.linalg.solve(h, g), rtol=1e-12, atol=1e-14)
    cov = f.inverse()
    np.testing.assert_allclose(cov, np.linalg.inv(h), rtol=1e-12, atol=1e-15)
    tg, big = np.array([38, 39]), np.arange(0, 30)  # a group of 30 > n/2: Schur-complement path
    v = cov[tg]
    direct = np.sqrt(np.einsum("ti,it->t", v[:, big], np.linalg.solve(cov[np.ix_(big, big)], v[:, big].T)))
    np.testing.assert_allclose(_group_impact(cov, h, v, tg, big), direct, rtol=1e-10)
    with pytest.raises(np.linalg.LinAlgError):
        ArrowFactor.factor(-h, blocks)
