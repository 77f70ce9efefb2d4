"""Fixtures of the analysis tests: the real CMS files and small synthetic NanoAOD files."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.analyses.synth import write_nano
from tests.helpers import shared_data
from wmass.analyses.options import GROUPS, Options

DATA = shared_data()
WEIGHT_BRANCHES = {"mass": "MEParamWeight", "width": "MEParamWeightAltSet1", "pdf": "LHEPdfWeight",
                   "pdf_alt": "LHEPdfWeightAltSets", "ptv": "PtVWeight", "angular": "HelicityWeight", "qed_fsr": "QEDFSRWeight"}


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="coffea")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"the real CMS test files ({DATA}) are not available")
    return DATA


@pytest.fixture(scope="session")
def synth_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20k synthetic W-like events written in 4 baskets."""
    return write_nano(tmp_path_factory.mktemp("nano") / "synth.root", 20000, seed=3, basket=5000)


@pytest.fixture(scope="session")
def all_groups() -> Options:
    """Simulation options with every systematic group on."""
    return Options(is_mc=True, theory=True, groups=frozenset(GROUPS), weight_branches=WEIGHT_BRANCHES)
