"""Asimov fits of the assembled mw input with the fit engine: m_W shift 0 and an injected +50 MeV."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from wmass.fit.covariance import covariance
from wmass.fit.driver import FitOptions, Fitter, precision
from wmass.fitinput import MASS_POI, assemble_fit_input, options_from_config

#: A reduced set of groups (≈ 700 nuisances) so that compilation and fits stay within seconds.
GROUPS = ("mass", "width", "pdf", "ptv", "eff_syst", "muon_scale", "muon_resolution")


@pytest.fixture(scope="module")
def fitter(tiny_set):
    opts = dataclasses.replace(options_from_config(tiny_set.cfg), include_groups=GROUPS)
    fi = assemble_fit_input("mw", tiny_set.files("mw"), tiny_set.process_of, opts)
    with precision("cpu"):
        yield Fitter(fi, FitOptions(impacts=False, global_impacts=False))


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_asimov_recovers_mass_shift(fitter, shift):
    with precision("cpu"):
        i = fitter.names.index(MASS_POI)
        x = np.array(fitter.x0, dtype=float)
        x[i] = shift  # in units of 100 MeV
        t = time.perf_counter()
        res = fitter.fit(obs=fitter.asimov_obs(x))
        elapsed = time.perf_counter() - t
        sigma = float(np.sqrt(covariance(res.chol)[i, i]))
    print(f"Asimov massShift {shift:+.1f}: fitted {res.x[i]:+.8f} ± {sigma:.4f} ({len(fitter.names)} parameters, "
          f"{res.iterations} iterations, edm {res.edm:.1e}, {elapsed:.2f} s)")
    assert res.status == "converged"
    assert res.x[i] == pytest.approx(shift, abs=1e-5 if shift else 1e-9)
    others = np.delete(res.x, i)
    assert np.max(np.abs(others)) < 1e-4  # every nuisance back at its Asimov value 0
    assert 0.05 < sigma < 5.0  # a finite mass uncertainty (tiny sample: O(100 MeV))
