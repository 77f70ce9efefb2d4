"""Minimiser, covariance, impacts, toys, scans: statistical properties on small inputs."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tests.fit.synthetic import synthetic_input
from wmass.fit.driver import FitOptions, Fitter, run_fit
from wmass.fit.model import nll


def test_asimov_recovers_injected_shift_exactly():
    fi = synthetic_input(nsyst=30, neta=6, npt=8, nproc=5, seed=5, mass_shift=0.7, data="asimov")
    out = run_fit(fi, FitOptions())
    i = out["names"].index("massShift")
    assert out["minimizer"]["status"] == "converged" and out["minimizer"]["edm"] < 1e-8
    assert out["x"][i] == pytest.approx(0.7, abs=1e-6)
    others = np.delete(out["x"], [0, i])
    np.testing.assert_allclose(others, 0.0, atol=1e-6)
    assert out["gof"]["chi2"] == pytest.approx(0.0, abs=1e-8)


def test_poisson_within_one_sigma_and_iminuit(small):
    from iminuit import Minuit

    out = run_fit(small, FitOptions(impacts=False, global_impacts=False, scan=("massShift",), scan_points=5))
    i = out["names"].index("massShift")
    sig = np.sqrt(out["cov"][i, i])
    assert abs(out["x"][i] - 0.5) < sig
    with jax.enable_x64(True):
        f = Fitter(small)
        fun = jax.jit(nll)
        grad = jax.jit(jax.grad(nll))
        m = Minuit(lambda x: float(fun(jnp.asarray(x), f.model, f.obs)), f.x0,
                   grad=lambda x: np.asarray(grad(jnp.asarray(x), f.model, f.obs)))
        m.errordef, m.strategy, m.tol = 0.5, 2, 1e-6
        m.migrad()
        m.hesse()
    assert m.valid
    np.testing.assert_allclose(np.asarray(m.values), out["x"], atol=2e-3 * np.sqrt(np.diag(out["cov"])).max())
    # HESSE differentiates numerically (our Hessian is exact, see test_model): 1% agreement
    np.testing.assert_allclose(np.asarray(m.errors), np.sqrt(np.diag(out["cov"])), rtol=1e-2)
    s = out["scans"]["massShift"]
    np.testing.assert_allclose(s["two_dnll"][[1, 3]], 1.5**2, rtol=0.05)  # ±1.5σ: parabolic to 5%
    assert s["two_dnll"][2] == pytest.approx(0.0, abs=1e-9)


def test_orthogonal_group_impacts_sum_in_quadrature():
    # Asimov, no MC stat: groups of uncorrelated nuisances; total² = stat² + Σ group² (nominal and global)
    fi = synthetic_input(nsyst=20, neta=4, npt=6, nproc=4, seed=9, data="asimov")
    out = run_fit(fi, FitOptions(bbstat=False))
    tg = out["names"].index("massShift")
    k = [n for n in out["names"] if n in ("Wnorm", "massShift")].index("massShift")
    total2 = out["cov"][tg, tg]
    gi = out["global_impacts"]["groups"]
    assert sum(v[k] ** 2 for g, v in gi.items()) == pytest.approx(total2, rel=1e-9)
    # traditional impacts of the whole set of constrained nuisances + stat reproduce the total exactly
    ni = out["impacts"]["groups"]
    cons = np.concatenate([np.flatnonzero([n.startswith(p) for n in out["names"]]) for p in ("pdf", "norm_", "effStat")])
    v = out["cov"][tg, cons]
    all_cons = v @ np.linalg.solve(out["cov"][np.ix_(cons, cons)], v)
    assert all_cons + ni["stat"][k] ** 2 == pytest.approx(total2, rel=1e-9)


def test_toy_pulls_are_standard_normal():
    fi = synthetic_input(nsyst=8, neta=2, npt=5, nproc=3, seed=11, sparse=False, mc_stat=2.0)
    out = run_fit(fi, FitOptions(impacts=False, global_impacts=False, toys=400, toy_batch=200))
    t = out["toys"]
    assert t["converged_fraction"] > 0.97
    np.testing.assert_allclose(t["pull_mean"], 0.0, atol=0.1)
    np.testing.assert_allclose(t["pull_width"], 1.0, atol=0.1)


def test_several_pois_charge_masses_and_difference_reparametrisation():
    kw = dict(nsyst=20, neta=4, npt=6, nproc=4, seed=13, mass_shift=0.4, data="asimov")
    oc = run_fit(synthetic_input(mass_params="charge", **kw), FitOptions(global_impacts=False))
    od = run_fit(synthetic_input(mass_params="diff", **kw), FitOptions(global_impacts=False))
    ip, im = oc["names"].index("massShift_plus"), oc["names"].index("massShift_minus")
    assert oc["x"][ip] == pytest.approx(0.4, abs=1e-6) and oc["x"][im] == pytest.approx(0.4, abs=1e-6)
    i_m, i_d = od["names"].index("massShift"), od["names"].index("massDiff")
    assert od["x"][i_m] == pytest.approx(0.4, abs=1e-6) and od["x"][i_d] == pytest.approx(0.0, abs=1e-6)
    v = oc["cov"]
    var_diff = v[ip, ip] + v[im, im] - 2 * v[ip, im]
    assert od["cov"][i_d, i_d] == pytest.approx(var_diff, rel=1e-8)
    assert set(od["impacts"]["groups"]) >= {"mass", "stat", "binByBinStat", "pdf"}


@pytest.mark.slow
def test_toys_newton_cg_path_agrees_with_dense_newton():
    from wmass.fit.driver import precision
    from wmass.fit.toys import run_toys

    fi = synthetic_input(nsyst=8, neta=2, npt=5, nproc=3, seed=11, sparse=False, mc_stat=2.0)
    with precision():
        f = Fitter(fi)
        res = f.fit()
        dense = run_toys(f, res, 16, seed=3, batch=16)
        cg = run_toys(f, res, 16, seed=3, batch=16, dense_max=0)
    assert cg["converged_fraction"] >= 0.9
    same = np.all(np.abs(cg["pulls"] - dense["pulls"]) < 1e-3, axis=1)
    assert same.mean() >= 0.9
