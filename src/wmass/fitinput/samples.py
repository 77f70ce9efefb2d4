"""Read the merged histogram files of one analysis, check them, and normalise simulation to the data.

Normalisation. The generator gives every simulated event gen_weight = σ/N_chunk (pb), so each
chunk's weights sum to the process cross section σ (``wmass.generate.processes``; the NanoAOD
sidecar's ``sum_w`` is that sum) and a merged histogram of C chunks holds C·σ·ε (pb). The expected
yield is σ·ε·L, so a simulated histogram is scaled by

.. math:: s = L / C,

with L (pb⁻¹) the integrated luminosity of the pseudo-data: each data chunk's sidecar carries its
``lumi_pb``, the histogram stage copies it and ``wmass merge`` sums it, so L is read from the merged
data file alone. Sums of squared weights (the Weight storage variances, for the Barlow-Beeston-lite
MC statistics) scale with s².
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hist
import numpy as np

from wmass import registry
from wmass.errors import InputError
from wmass.fitinput.analyses import DATA, channel_hist
from wmass.histograms.io import read_hists

__all__ = ["SampleInput", "load_samples", "luminosity"]


@dataclass
class SampleInput:
    """One sample's fit-axes histograms: ``values``/``sumw2`` already scaled to the data luminosity.

    ``systs`` holds the raw ``syst_<group>`` histograms (unscaled; log κ is scale-free) by group.
    """

    sample: str
    process: str
    path: str
    meta: dict[str, Any]
    axes: hist.axis.NamedAxesTuple
    raw: np.ndarray
    raw_sumw2: np.ndarray
    scale: float = 1.0
    systs: dict[str, hist.Hist] = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        """Expected yields per bin (events at the data luminosity; counts for data)."""
        return self.raw * self.scale

    @property
    def sumw2(self) -> np.ndarray:
        """Sum of squared weights per bin at the data luminosity."""
        return self.raw_sumw2 * self.scale**2


def _read(path: str, sample: str, process: str, analysis: registry.Analysis, histogram_hash: str | None) -> SampleInput:
    hists, meta = read_hists(path)  # refuses a missing, incomplete or non-finite file, naming it
    for key, want in (("analysis", analysis.name), ("sample", sample)):
        if meta.get(key) != want:
            raise InputError(f"histogram file {path}: its {key} is {meta.get(key)!r}, expected {want!r}")
    if histogram_hash is not None and meta.get("config_hash") != histogram_hash:
        raise InputError(f"histogram file {path} was made with another configuration (config hash "
                         f"{meta.get('config_hash')!r}, this configuration's histogram stage: {histogram_hash!r})")
    if "nominal" not in hists:
        raise InputError(f"histogram file {path} has no 'nominal' histogram")
    h = channel_hist(analysis, hists["nominal"])
    variances = h.variances(flow=False)
    if variances is None:
        raise InputError(f"histogram file {path}: 'nominal' has no Weight storage (no sums of squared weights)")
    systs = {name[len("syst_"):]: hh for name, hh in hists.items() if name.startswith("syst_")}
    return SampleInput(sample, process, str(path), meta, h.axes, np.asarray(h.values(flow=False), dtype=np.float64),
                       np.asarray(variances, dtype=np.float64), systs=systs)


def luminosity(data: SampleInput) -> float:
    """Integrated luminosity (pb⁻¹) recorded in the merged data file."""
    lumi = float(data.meta.get("lumi_pb") or 0.0)
    if not lumi > 0.0 or not np.isfinite(lumi):
        raise InputError(f"data histogram file {data.path} carries no integrated luminosity (lumi_pb = "
                         f"{data.meta.get('lumi_pb')!r}): remake it with `wmass histogram` and `wmass merge`")
    return lumi


def load_samples(analysis: registry.Analysis, hist_files: Mapping[str, str | Path], process_of: Mapping[str, str],
                 processes: tuple[str, ...], histogram_hash: str | None = None) -> tuple[SampleInput, dict[str, SampleInput]]:
    """(data, {process: simulation}) of ``analysis``, simulation scaled to the data luminosity.

    Every process of ``processes`` and ``data`` needs exactly one file; a file of another process is
    refused, as is a file of another analysis or configuration.
    """
    by_process: dict[str, tuple[str, str]] = {}
    for sample, path in hist_files.items():
        if sample not in process_of:
            raise InputError(f"histogram file {path}: unknown sample {sample!r} (not in the configuration's samples)")
        proc = process_of[sample]
        if proc != DATA and proc not in processes:
            raise InputError(f"histogram file {path}: sample {sample!r} (process {proc!r}) is not a process of the "
                             f"{analysis.name} fit (fitinput.processes.{analysis.layout}: {list(processes)})")
        if proc in by_process:
            raise InputError(f"two histogram files for process {proc!r}: {by_process[proc][1]} and {path}")
        by_process[proc] = (sample, str(path))
    missing = [p for p in (DATA, *processes) if p not in by_process]
    if missing:
        raise InputError(f"{analysis.name} fit input: no histogram file for process(es) {missing} "
                         f"(files given: {sorted(map(str, hist_files.values()))})")
    data_sample, data_path = by_process[DATA]
    data = _read(data_path, data_sample, DATA, analysis, histogram_hash)
    lumi = luminosity(data)
    sims: dict[str, SampleInput] = {}
    for proc in processes:
        sample, path = by_process[proc]
        s = _read(path, sample, proc, analysis, histogram_hash)
        chunks = int(s.meta.get("chunks") or 0)
        if chunks < 1:
            raise InputError(f"histogram file {path} does not record its number of chunks: merge it with `wmass merge`")
        s.scale = lumi / chunks
        sims[proc] = s
    return data, sims
