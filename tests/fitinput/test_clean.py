"""Empty-bin floor and inert nuisances (wmass.fitinput.clean), on small synthetic fit inputs."""

from __future__ import annotations

import hist
import numpy as np
import pytest

from wmass.config import load_config
from wmass.errors import InputError
from wmass.fit.builder import FitInputBuilder
from wmass.fitinput.clean import EMPTY_BIN_FRACTION, drop_inert_nuisances, floor_empty_bins, prepare
from wmass.fitinput.options import FitInputOptions, options_from_config


def _input(sparse: bool = True, data_empty: float = 2.0, masked: bool = False):
    ax = hist.axis.Regular(5, 0, 5, name="x")
    big, small = np.array([40.0, 0, 30, 20, 0]), np.array([5.0, 0, 0, 1, 0])
    b = FitInputBuilder()
    b.add_channel("ch", [ax])
    b.add_data("ch", np.array([44.0, data_empty, 31, 19, 0]))
    b.add_process("ch", "big", big, signal=True, sumw2=big * 0.5)  # one event weighs 0.5
    b.add_process("ch", "small", small, sumw2=small * 2.0)
    b.add_systematic("ch", "big", "massShift", big * 1.01, big / 1.01, group="massShift", constrained=False, noi=True)
    b.add_systematic("ch", "big", "eff_a", big * 1.02, group="eff")
    b.add_systematic("ch", "small", "eff_dead", small, small, group="eff")  # no effect
    b.add_systematic("ch", "small", "alone", small, small, group="solo")   # no effect, sole group member
    b.add_norm("lumi", ["big", "small"], 1.012, group="lumi")
    if masked:
        b.add_channel("xsec", [hist.axis.Regular(2, 0, 2, name="y")], masked=True)
        b.add_process("xsec", "big", np.zeros(2), signal=True)
    fi = b.build(sparse=sparse)
    fi.pois = {}
    return fi


@pytest.mark.parametrize("data_empty", [2.0, 0.0])
def test_empty_bins_get_one_simulated_event(data_empty):
    """Every empty bin (with or without data) gets ε = f·w in the largest process, w = Σ sumw2 / Σ sumw
    (one event's weight), with sumw2 = ε·w: BB-lite k = ε/w = f ≈ 0 simulated events of weight w."""
    fi = _input(data_empty=data_empty)
    info = floor_empty_bins(fi)
    eps = EMPTY_BIN_FRACTION * 0.5
    assert info == {"ch": {"process": "big", "event_weight": 0.5, "yield": eps, "bins": 2,
                           "bins_with_data": int(data_empty > 0)}}
    np.testing.assert_allclose(fi.nominal[:, 0], [40, eps, 30, 20, eps])
    np.testing.assert_allclose(fi.sumw[[1, 4], 0], eps)
    np.testing.assert_allclose(fi.sumw2[[1, 4], 0], eps * 0.5)
    np.testing.assert_allclose(fi.sumw[[1, 4]].sum(1) ** 2 / fi.sumw2[[1, 4]].sum(1), EMPTY_BIN_FRACTION)  # k
    assert not np.any(np.isin(fi.logk.indices[:, 0], [1, 4]))  # no systematic on the floor
    fi.validate()


def test_masked_channels_are_not_floored():
    fi = _input(masked=True)
    floor_empty_bins(fi)
    np.testing.assert_array_equal(fi.nominal[5:], 0.0)


def test_refuse_names_the_bins_with_data():
    fi = _input()
    with pytest.raises(InputError, match=r"channel ch: 1 bin\(s\) with data but no simulated prediction.*bin 1.*one_event"):
        floor_empty_bins(fi, "refuse")
    assert floor_empty_bins(_input(data_empty=0.0), "refuse") == {}


@pytest.mark.parametrize("sparse", [True, False])
def test_inert_nuisances_dropped(sparse):
    fi = _input(sparse=sparse)
    before = {s: fi.logk.avg[..., i].copy() if not sparse else None for i, s in enumerate(fi.systs)}
    dropped = drop_inert_nuisances(fi)
    assert sorted(dropped) == ["alone", "eff_dead"]
    assert sorted(fi.systs) == ["eff_a", "lumi", "massShift"] and fi.logk.shape[2] == 3
    assert fi.groups == {"eff": ("eff_a",), "lumi": ("lumi",), "massShift": ("massShift",)}
    assert [fi.constrained[fi.systs.index(s)] for s in ("eff_a", "lumi", "massShift")] == [True, True, False]
    assert list(fi.noi) == [s == "massShift" for s in fi.systs]
    if not sparse:
        np.testing.assert_array_equal(fi.logk.avg[..., fi.systs.index("eff_a")], before["eff_a"])
    fi.validate()


def test_unconstrained_inert_nuisance_refused():
    fi = _input()
    fi.logk.avg[fi.logk.indices[:, 2] == fi.systs.index("massShift")] = 0.0
    fi.logk.halfdiff[fi.logk.indices[:, 2] == fi.systs.index("massShift")] = 0.0
    with pytest.raises(InputError, match="unconstrained nuisance.*without any effect.*massShift"):
        drop_inert_nuisances(fi)


def test_prepare_and_option_default():
    fi = _input()
    info = prepare(fi)
    assert sorted(info["dropped_nuisances"]) == ["alone", "eff_dead"] and info["empty_bin_floor"]["ch"]["bins"] == 2
    assert FitInputOptions().empty_bins == "one_event"
    assert options_from_config(load_config("config/config.yaml")).empty_bins == "one_event"


def test_data_event_in_an_empty_bin_costs_the_barlow_beeston_price():
    """With the floor, one data event in an empty bin adds ≈ 2 ln((1 + w)/w) to the saturated χ², the
    Barlow-Beeston value for no simulated event of weight w (instead of an infinite NLL)."""
    import jax

    from wmass.fit.model import build_model, nll_terms, x0

    chi2 = {}
    for n in (0.0, 1.0):
        fi = _input(data_empty=n)
        prepare(fi)
        with jax.enable_x64(True):
            m, o = build_model(fi)
            t = nll_terms(x0(m), m, o)
            chi2[n] = 2.0 * float(t["ln"] + t["lbeta"])
    w = 0.5
    assert chi2[1.0] - chi2[0.0] == pytest.approx(2 * np.log((1 + w) / w), rel=2e-2)
