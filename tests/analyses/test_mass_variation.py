"""The +100 MeV mass-weight histogram equals the histogram of a sample generated at m_W + 100 MeV
(within statistics). Runs once the generator (`wmass generate`) produces files."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from wmass.analyses import make_processor
from wmass.analyses.options import options_from_config
from wmass.analyses.runner import file_weight_scale, run_processor
from wmass.config import validate_config
from wmass.constants import M_W

EVENTS = 60_000


def _generate(cfg: dict, path: str) -> None:
    from wmass.generate.chunk import generate_chunk

    try:
        generate_chunk(cfg, "wplus", 0, path, argv=["test"])
    except (ImportError, NotImplementedError) as exc:  # the generator is still being written
        pytest.skip(f"the generator cannot produce files yet: {exc}")


def _config(base: dict, mass: float, seed: int) -> dict:
    cfg = copy.deepcopy(base)
    cfg["seed"] = seed
    cfg["size"] = "tiny"
    cfg["sizes"]["tiny"] = {"scale": 1.0, "max_chunk_events": EVENTS}
    cfg["samples"] = {"wplus": {"process": "wplus", "events": EVENTS}}
    cfg.setdefault("generator", {}).setdefault("w", {})["mass_gev"] = mass
    cfg["histogram"]["systematics"] = {g: g == "mass" for g in cfg["histogram"]["systematics"]}
    cfg["histogram"]["allow_missing"] = []
    return validate_config(cfg)


def _pt_shape(cfg: dict, path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    opts = options_from_config(cfg, is_mc=True, theory=True, weight_scale=file_weight_scale(path, True))
    out = run_processor(make_processor("mw", opts), [path])
    nominal = out["hists"]["nominal"][:, :, :, True, 2].project("pt")
    mass = out["hists"]["syst_mass"].project("pt", "mass")
    up = mass[:, "massShift+100MeV"].values()
    return nominal.values(), nominal.variances(), up, out["sum_w"]


def test_mass_weight_matches_regeneration(tmp_path, base_config):
    nominal_cfg = _config(base_config, M_W, seed=11)
    shifted_cfg = _config(base_config, M_W + 0.1, seed=12)
    _generate(nominal_cfg, str(tmp_path / "nominal.root"))
    _generate(shifted_cfg, str(tmp_path / "shifted.root"))
    n0, v0, up, sw0 = _pt_shape(nominal_cfg, str(tmp_path / "nominal.root"))
    n1, v1, _, sw1 = _pt_shape(shifted_cfg, str(tmp_path / "shifted.root"))
    # shapes normalised to the generated sum of weights; the reweighted variance ≈ the nominal one
    a, b = up / sw0, n1 / sw1
    var = v0 / sw0**2 + v1 / sw1**2
    ok = var > 0
    chi2 = float((((a - b) ** 2)[ok] / var[ok]).sum())
    assert chi2 / ok.sum() < 2.0, chi2
    centres = np.arange(26.5, 56.0)
    shift_weight = (centres * up).sum() / up.sum() - (centres * n0).sum() / n0.sum()
    assert shift_weight > 0  # a heavier W has a harder muon pT spectrum
