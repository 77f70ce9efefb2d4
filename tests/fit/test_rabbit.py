"""Comparison with rabbit-fit 0.2.5 (CMS's TensorFlow fitter) on the same histograms.

Needs a separate environment (TensorFlow): ``python3 -m venv .venv-rabbit &&
.venv-rabbit/bin/pip install rabbit-fit tf-keras h5py``. rabbit runs as a subprocess
(tests/fit/rabbit_driver.py); parameters are matched by name.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from tests.fit.histfile import read_hist_file
from tests.fit.synthetic import synthetic_input, write_hist_file
from wmass.fit.driver import FitOptions, run_fit
from wmass.fit.model import build_model, nll, param_names

ROOT = Path(__file__).resolve().parents[2]
RABBIT_PY = ROOT / ".venv-rabbit" / "bin" / "python"

pytestmark = [pytest.mark.rabbit,
              pytest.mark.skipif(not RABBIT_PY.exists(), reason=".venv-rabbit absent (see module docstring)")]


@pytest.mark.parametrize("asymmetric", [False, True])
def test_same_likelihood_fit_and_impacts_as_rabbit(tmp_path, asymmetric):
    src = synthetic_input(nsyst=25, neta=4, npt=6, nproc=4, seed=21, asymmetric=asymmetric, mc_stat=3.0)
    hpath = tmp_path / "hists.h5"
    write_hist_file(src, hpath, asymmetric=asymmetric, pois=False)
    fi = read_hist_file(hpath).build()
    names = param_names(fi)
    m, o = build_model(fi)
    rng = np.random.default_rng(1)
    x0 = np.concatenate([np.ones(m.npoi), np.zeros(m.nsyst)])
    pts = x0 + rng.normal(0, 0.3, size=(3, len(x0)))
    np.savez(tmp_path / "pts.npz", names=np.array(names), x=pts, xstart=x0)
    r = subprocess.run([str(RABBIT_PY), str(ROOT / "tests/fit/rabbit_driver.py"), str(hpath), str(tmp_path / "pts.npz"),
                        str(tmp_path / "rabbit.npz"), str(tmp_path), "sparse"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    rb = np.load(tmp_path / "rabbit.npz")
    perm = [names.index(n) for n in rb["names"].astype(str)]  # rabbit order -> our index
    f = jax.jit(jax.value_and_grad(nll))
    h = jax.jit(jax.hessian(nll))
    for k, x in enumerate(pts):
        v, g = f(jnp.asarray(x), m, o)
        hh = np.asarray(h(jnp.asarray(x), m, o))[np.ix_(perm, perm)]
        assert float(v) == pytest.approx(float(rb["vals"][k]), rel=1e-8)
        np.testing.assert_allclose(np.asarray(g)[perm], rb["grads"][k], rtol=1e-8, atol=1e-8 * np.abs(rb["grads"][k]).max())
        np.testing.assert_allclose(hh, rb["hesses"][k], rtol=1e-8, atol=1e-8 * np.abs(hh).max())
    out = run_fit(fi, FitOptions())
    sig = np.sqrt(np.diag(out["cov"]))[perm]
    # rabbit's trust-krylov stops without an EDM criterion: compare within 1e-3 σ of each parameter
    assert np.all(np.abs(out["x"][perm] - rb["xfit"]) < 1e-3 * sig), np.max(np.abs(out["x"][perm] - rb["xfit"]) / sig)
    np.testing.assert_allclose(sig, np.sqrt(np.diag(rb["cov"])), rtol=1e-3)
    # grouped impacts: rabbit columns = systematic groups (natural-sorted), then stat, binByBinStat
    tnames = [n for i, n in enumerate(out["names"]) if i < out["npoi"] or n in rb["noi"].astype(str)]
    rt = list(rb["names"][: int(rb["npoi"])].astype(str)) + list(rb["noi"].astype(str))
    cols = list(rb["groups"].astype(str)) + ["stat", "binByBinStat"]
    for key, rkey in (("impacts", "impacts_grouped"), ("global_impacts", "global_impacts_grouped")):
        for ti, t in enumerate(rt):
            k = tnames.index(t)
            s = np.sqrt(out["cov"][names.index(t), names.index(t)])
            for c, g in enumerate(cols):
                assert out[key]["groups"][g][k] == pytest.approx(rb[rkey][ti, c], abs=1e-3 * s), (key, t, g)
