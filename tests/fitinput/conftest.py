"""A tiny generated sample set, histogrammed and merged once per session (the real stages, in-process).

Generation through the library (``wmass.generate.chunk.generate_chunk``), then the ``histogram`` and
``merge`` CLI commands (so the data luminosity travels sidecar → chunk file → merged file as in the
workflow). mw is histogrammed with every systematic group on; wlike and dilepton with a few groups
(a second configuration, hence another histogram config hash) to keep the session short.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from wmass.config import sample_layout, validate_config

EVENTS = {"wplus": 6000, "wminus": 5000, "zmumu": 4000, "wtaunu": 1500, "ztautau": 1000, "rare": 500,
          "qcd": 3000, "data": 20000}
CHUNK_EVENTS = 5000
FEW_GROUPS = ("mass", "pdf", "muon_scale")
#: Processes histogrammed for wlike and dilepton (their fitinput.processes and data).
Z_SAMPLES = ("zmumu", "ztautau", "rare", "data")


@dataclass(frozen=True)
class TinySet:
    """Paths of the tiny set: configurations (full / few groups) and merged files per analysis."""

    root: Path
    config: Path
    config_few: Path
    cfg: dict[str, Any]
    cfg_few: dict[str, Any]

    def files(self, analysis: str) -> dict[str, Path]:
        """{sample: merged histogram file} of ``analysis``."""
        return {p.stem: p for p in sorted((self.root / "hists" / analysis).glob("*.h5"))}

    @property
    def process_of(self) -> dict[str, str]:
        """Sample → process."""
        return {s: v["process"] for s, v in self.cfg["samples"].items()}


def _configs(base: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    cfg = copy.deepcopy(base)
    cfg["size"] = "tiny"
    cfg["sizes"]["tiny"] = {"scale": 1.0, "max_chunk_events": CHUNK_EVENTS}
    cfg["samples"] = {s: {"process": s, "events": n} for s, n in EVENTS.items()}
    cfg["histogram"]["allow_missing"] = []
    cfg["histogram"]["systematics"] = {g: True for g in cfg["histogram"]["systematics"]}
    few = copy.deepcopy(cfg)
    few["histogram"]["systematics"] = {g: g in FEW_GROUPS for g in cfg["histogram"]["systematics"]}
    return validate_config(cfg), validate_config(few)


def _histogram(root: Path, cfg_path: Path, cfg: dict[str, Any], analysis: str, samples: tuple[str, ...]) -> None:
    from wmass.cli.histogram import histogram, merge

    runner = CliRunner()
    for sample in samples:
        outs = []
        for chunk in range(sample_layout(cfg, sample).chunks):
            out = root / "hists" / analysis / sample / f"{chunk}.h5"
            args = ["--config", str(cfg_path), "--analysis", analysis, "--sample", sample, "--chunk", str(chunk),
                    "--input", str(root / "nano" / sample / f"{chunk}.root"), "--out", str(out)]
            res = runner.invoke(histogram, args)
            assert res.exit_code == 0, (res.output, res.exception)
            outs.append(str(out))
        res = runner.invoke(merge, ["--config", str(cfg_path), "--analysis", analysis, "--sample", sample,
                                    "--out", str(root / "hists" / analysis / f"{sample}.h5"), *outs])
        assert res.exit_code == 0, (res.output, res.exception)


@pytest.fixture(scope="session")
def tiny_set(tmp_path_factory: pytest.TempPathFactory, base_config: dict) -> TinySet:
    """Generate, histogram and merge the tiny set (≈ 1 minute on one core)."""
    from wmass.generate.chunk import generate_chunk

    warnings.filterwarnings("ignore", category=RuntimeWarning, module="coffea")
    root = tmp_path_factory.mktemp("fitinput_set")
    cfg, few = _configs(base_config)
    paths = (root / "config.yaml", root / "config_few.yaml")
    for path, c in zip(paths, (cfg, few)):
        path.write_text(yaml.safe_dump(c, sort_keys=True))
    for sample in cfg["samples"]:
        for chunk in range(sample_layout(cfg, sample).chunks):
            generate_chunk(cfg, sample, chunk, root / "nano" / sample / f"{chunk}.root", argv=["test"])
    _histogram(root, paths[0], cfg, "mw", tuple(cfg["samples"]))
    for analysis in ("wlike", "dilepton"):
        _histogram(root, paths[1], few, analysis, Z_SAMPLES)
    return TinySet(root, paths[0], paths[1], cfg, few)


@pytest.fixture(scope="session")
def mw_input(tiny_set: TinySet):
    """The mw fit input with every group (default fitinput options)."""
    from wmass.fitinput import assemble_fit_input, options_from_config

    return assemble_fit_input("mw", tiny_set.files("mw"), tiny_set.process_of, options_from_config(tiny_set.cfg))
