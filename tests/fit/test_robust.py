"""Pathological inputs of tiny simulated samples and the minimiser's fallbacks (regressions).

The real tiny-workflow inputs failed because (1) data sat in bins with zero total prediction, so the
NLL was +inf everywhere and (2) the minimiser then toggled between Gauss-Newton and exact Newton for
100 iterations (or gave up with a misleading "line search failed").
"""

from __future__ import annotations

import hist
import numpy as np
import pytest

from wmass.errors import InputError
from wmass.fit.builder import FitInputBuilder
from wmass.fit.covariance import FitError
from wmass.fit.driver import FitOptions, Fitter, run_fit
from wmass.fit.minimize import FitFunctions
from wmass.fit.model import Obs, build_model
from wmass.fitinput.clean import prepare

AX = hist.axis.Regular(8, 0, 8, name="x")


def _pathological(data_in_empty_bin: bool = True) -> FitInputBuilder:
    """8 bins, 3 processes: bin 7 has no prediction at all; "bkg" is zero or negative in some bins;
    a variation flips the sign of a yield (log κ = ln 1e-3); "inert" has no effect; massShift is
    unconstrained with a small effect."""
    sig = np.array([50.0, 80, 120, 90, 60, 30, 5, 0])
    bkg = np.array([10.0, 0, -2, 8, 6, 0, 0.5, 0])
    oth = np.array([0.0, 0, 0, 0, 1, 2, 0, 0])
    b = FitInputBuilder()
    b.add_channel("ch", [AX])
    data = np.array([55.0, 83, 118, 101, 64, 35, 7, 1 if data_in_empty_bin else 0])
    b.add_data("ch", data)
    b.add_process("ch", "sig", sig, signal=True, sumw2=sig / 3)
    b.add_process("ch", "bkg", bkg, sumw2=np.abs(bkg) / 2)
    b.add_process("ch", "oth", oth, sumw2=oth)
    shape = 1.0 + 0.01 * np.linspace(-1, 1, 8)
    b.add_systematic("ch", "sig", "massShift", sig * shape, sig / shape, constrained=False, noi=True)
    b.add_systematic("ch", "sig", "scale", sig * (1.0 + 0.05 * np.linspace(1, -1, 8)))
    flip = bkg * 1.1
    flip[6] = -0.5  # the variation flips the sign of the yield: log κ = ln(1e-3), as rabbit
    b.add_systematic("ch", "bkg", "bkgshape", flip, bkg * 0.9)
    b.add_systematic("ch", "oth", "inert", oth, oth)  # no effect anywhere
    b.add_norm("norm_bkg", ["bkg"], 1.1)
    return b


def _no_poi(fi):
    fi.pois = {}
    return fi


def test_data_in_a_bin_without_prediction_is_refused():
    fi = _no_poi(_pathological().build())
    with pytest.raises(InputError, match=r"1 fit bin\(s\) have data but a zero total prediction.*bin 7.*empty_bins"):
        build_model(fi)


def test_unconstrained_parameter_without_effect_is_refused():
    b = _pathological(data_in_empty_bin=False)
    b.add_systematic("ch", "oth", "floating", np.array([0.0, 0, 0, 0, 1, 2, 0, 0]), constrained=False)
    with pytest.raises(InputError, match="unconstrained parameter.*without any effect.*floating"):
        build_model(_no_poi(b.build()))


def test_infinite_nll_stops_at_once_with_the_cause():
    """The wlike/mw failure: data where ν = 0 for every x. Bypassing the input check, the minimiser must
    stop at the first iteration naming the cause, not loop 100 iterations."""
    fi = _no_poi(_pathological(data_in_empty_bin=False).build())
    ft = Fitter(fi, FitOptions())
    obs = Obs(nobs=ft.obs.nobs.at[7].set(1.0), theta0=ft.obs.theta0, beta0=ft.obs.beta0)
    with pytest.raises(FitError, match=r"NLL is inf at iteration 1 \(the starting point\).*zero prediction"):
        ft.fit(obs=obs)


def test_pathological_input_prepared_by_fitinput_converges():
    """Empty bin with data floored, inert nuisance dropped, sign flip and zero/negative yields kept."""
    fi = _no_poi(_pathological().build())
    info = prepare(fi)
    assert info["dropped_nuisances"] == ["inert"] and info["empty_bin_floor"]["ch"]["bins_with_data"] == 1
    out = run_fit(fi, FitOptions())
    assert out["minimizer"]["status"] == "converged" and out["minimizer"]["edm"] < 1e-8
    assert np.all(np.linalg.eigvalsh(out["cov"]) > 0)
    assert np.isfinite(out["gof"]["chi2"])


class _Rejecting:
    """``value`` reporting a worse NLL at any point other than the iteration's own for the first
    ``n`` calls (``n`` = None: always), so that steps are rejected."""

    def __init__(self, fns: FitFunctions, n: int | None):
        self.fns, self.n, self.calls = fns, n, 0

    def value(self, x, model, obs):
        self.calls += 1
        v = self.fns.value(x, model, obs)
        return v + 1e3 if self.n is None or self.calls <= self.n else v


def _rigged(ft: Fitter, n: int | None) -> _Rejecting:
    rej = _Rejecting(ft.fns, n)
    ft.fns = FitFunctions(ft.fns.value_and_grad, rej.value, ft.fns.factors)
    return rej


def test_rejected_gauss_newton_step_falls_back_to_newton():
    fi = _no_poi(_pathological(data_in_empty_bin=False).build())
    ft = Fitter(fi, FitOptions())
    _rigged(ft, n=34)  # the whole Gauss-Newton line search of the first iteration (2⁰ … 2⁻³³)
    logs: list[str] = []
    res = ft.fit(log=logs.append)
    assert res.status == "converged" and res.edm < 1e-8
    assert any("gauss-newton step rejected, took a newton step" in line for line in logs), logs


def test_rejected_newton_step_falls_back_to_damping():
    fi = _no_poi(_pathological(data_in_empty_bin=False).build())
    ft = Fitter(fi, FitOptions())
    _rigged(ft, n=68)  # Gauss-Newton and exact-Newton line searches of the first iteration
    logs: list[str] = []
    res = ft.fit(log=logs.append)
    assert res.status == "converged" and res.edm < 1e-8
    assert any("took a levenberg-marquardt" in line for line in logs), logs


def test_no_descent_direction_raises_instead_of_stalling():
    fi = _no_poi(_pathological(data_in_empty_bin=False).build())
    ft = Fitter(fi, FitOptions())
    rej = _rigged(ft, n=None)
    with pytest.raises(FitError, match=r"no progress at iteration 1 \(edm .*\): the NLL does not decrease along"):
        ft.fit()
    assert rej.calls < 500
