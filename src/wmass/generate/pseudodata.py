"""Pseudo-data with a hidden truth: the only reader of the ``pseudodata`` config block.

The sample of process ``data`` mixes wplus, wminus, zmumu, wtaunu, ztautau, rare and qcd, generated
with the true physics (``generator`` block with the ``pseudodata.generator`` overrides deep-merged
onto it) and reconstructed with the true detector (``detector`` + ``pseudodata.detector``), from
the pseudo-data's own seed ``pseudodata.seed``. ``pseudodata.truth_generator`` picks the truth
generator: ``fast`` (the simulation's parametric generator) or ``pythia`` (Pythia 8's shower for
W± → μν and Z → μμ via :func:`wmass.generate.pythia.generate_truth_with_pythia`, so the data's pT^V,
A_i and FSR come from another model than the simulation's, as real data would; the fast generator
for the other processes; the event counts use the fast cross sections in both cases). Per chunk, each process has a Poisson number of
events of mean L_chunk·σ_p(true), where the luminosity is fixed by the nominal simulation:

    L = (1 − f_J/ψ) N_data / Σ_p σ_p(nominal)       (N_data = samples.<data>.events at the run size)

J/ψ → μμ events (needed to calibrate the data's momentum scale) enter the same files through the
prescaled ``HLT_Dimuon0_Jpsi`` trigger: their mean count per chunk is f_J/ψ N_chunk σ(true)/σ(nominal),
f_J/ψ = ``detector.trigger.jpsi_data_fraction`` (an effective prescale; not hidden). Events are
shuffled; data carry no generator branches (as real data), run = :data:`DATA_RUN`,
luminosityBlock = chunk + 1, event = 1..N. Analysis code must never import the hidden truth:
:func:`hidden_truth` refuses any sample that is not of process ``data``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import numpy as np

from wmass.config import ConfigError, sample_layout, schema
from wmass.detector.params import DetectorParams
from wmass.detector.simulate import simulate
from wmass.nanoaod.ops import concat_branches, permute_branches
from wmass.nanoaod.schema import Branches, reco_branches
from wmass.rng import chunk_rng

__all__ = [
    "DATA_PROCESSES", "DATA_RUN", "JPSI", "TRUTH_GENERATORS", "HiddenTruth", "deep_merge", "expected_counts",
    "generate_data_chunk", "hidden_truth", "luminosity_pb", "truth_generator",
]

#: Processes mixed into the pseudo-data at the luminosity (J/ψ comes through its own trigger).
DATA_PROCESSES = ("wplus", "wminus", "zmumu", "wtaunu", "ztautau", "rare", "qcd")
JPSI = "jpsi"
#: Run number of the pseudo-data (simulation uses run 1, as CMS).
DATA_RUN = 362000
#: Values of ``pseudodata.truth_generator``.
TRUTH_GENERATORS = ("fast", "pythia")

CrossSection = Callable[[str, Mapping[str, Any]], float]
TruthGenerator = Callable[..., Any]


@dataclass(frozen=True)
class HiddenTruth:
    """The true parameters of the pseudo-data: seed, generator block, detector block (merged, validated)
    and the truth generator (``fast`` or ``pythia``)."""

    seed: int
    generator: dict[str, Any]
    detector: dict[str, Any]
    truth_generator: str = "fast"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` applied: mappings merge recursively, any other value replaces."""
    out = copy.deepcopy(dict(base))
    for key, val in override.items():
        if isinstance(val, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def _validated(name: str, block: dict[str, Any]) -> dict[str, Any]:
    """Check a merged block against the schema of the nominal block of that name."""
    sub = schema()["properties"][name]
    errors = list(jsonschema.Draft7Validator(sub).iter_errors(block))
    if errors:
        lines = [f"pseudodata.{name}.{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
        raise ConfigError("invalid pseudo-data truth:\n  " + "\n  ".join(lines))
    return block


def hidden_truth(cfg: Mapping[str, Any], sample: str) -> HiddenTruth:
    """The hidden truth, for generating ``sample``; refused unless it is a sample of process ``data``."""
    lay = sample_layout(cfg, sample)
    if lay.process != "data":
        raise ConfigError(f"the hidden pseudo-data truth may only be read to generate a sample of process "
                          f"'data', not {sample!r} (process {lay.process!r})")
    block = cfg["pseudodata"]
    return HiddenTruth(
        seed=int(block["seed"]),
        generator=_validated("generator", deep_merge(cfg.get("generator", {}), block["generator"])),
        detector=_validated("detector", deep_merge(cfg["detector"], block["detector"])),
        truth_generator=str(block.get("truth_generator", "fast")),
    )


def truth_generator(kind: str, fast: TruthGenerator) -> TruthGenerator:
    """The pseudo-data's truth generator: ``fast`` itself, or (``pythia``) Pythia 8 for W± and Z → μμ
    (:func:`wmass.generate.pythia.generate_truth_with_pythia`) and ``fast`` for every other process."""
    if kind not in TRUTH_GENERATORS:
        raise ConfigError(f"pseudodata.truth_generator must be one of {TRUTH_GENERATORS}, not {kind!r}")
    if kind == "fast":
        return fast
    from wmass.generate.pythia import PYTHIA_PROCESSES, generate_truth_with_pythia

    def generate(process: str, *args: Any) -> Any:
        return (generate_truth_with_pythia if process in PYTHIA_PROCESSES else fast)(process, *args)

    return generate


def luminosity_pb(cfg: Mapping[str, Any], sample: str, cross_section: CrossSection) -> float:
    """Integrated luminosity (pb⁻¹) of the whole data sample, from nominal cross sections only."""
    lay = sample_layout(cfg, sample)
    frac = cfg["detector"]["trigger"]["jpsi_data_fraction"]
    sigma = sum(cross_section(p, cfg["generator"]) for p in DATA_PROCESSES)
    return (1.0 - frac) * lay.events / sigma


def expected_counts(
    cfg: Mapping[str, Any], sample: str, chunk: int, truth: HiddenTruth, cross_section: CrossSection
) -> dict[str, float]:
    """Mean number of events of each process (DATA_PROCESSES, then jpsi) in one data chunk."""
    n_chunk = sample_layout(cfg, sample).chunk_events(chunk)
    frac = cfg["detector"]["trigger"]["jpsi_data_fraction"]
    nominal = {p: cross_section(p, cfg["generator"]) for p in (*DATA_PROCESSES, JPSI)}
    total = sum(nominal[p] for p in DATA_PROCESSES)
    means = {p: (1.0 - frac) * n_chunk * cross_section(p, truth.generator) / total for p in DATA_PROCESSES}
    means[JPSI] = frac * n_chunk * cross_section(JPSI, truth.generator) / nominal[JPSI]
    return means


def generate_data_chunk(
    cfg: Mapping[str, Any], sample: str, chunk: int, generate_truth: TruthGenerator, cross_section: CrossSection
) -> tuple[Branches, dict[str, Any]]:
    """Branches of one pseudo-data chunk and its public metadata (luminosity of the chunk, seed)."""
    truth = hidden_truth(cfg, sample)
    means = expected_counts(cfg, sample, chunk, truth, cross_section)
    rng = chunk_rng(truth.seed, sample, chunk, 0)
    counts = {p: int(rng.poisson(mu)) for p, mu in means.items()}
    params = deep_merge(truth.generator, {"weights": {"store": []}})  # data carry no generator weights
    generate = truth_generator(truth.truth_generator, generate_truth)
    detector = DetectorParams.from_config(truth.detector)
    parts: list[Branches] = []
    for i, process in enumerate(means):
        if counts[process] == 0 and parts:
            continue
        events = generate(process, counts[process], 0, chunk_rng(truth.seed, sample, chunk, 1 + 2 * i), params)
        reco = simulate(events, detector, process, chunk_rng(truth.seed, sample, chunk, 2 + 2 * i))
        zeros = np.zeros(len(events), dtype=np.int64)
        parts.append(reco_branches(reco, zeros, zeros, zeros))
    branches = permute_branches(concat_branches(parts), rng.permutation(sum(counts.values())))
    n = branches["run"].shape[0]  # type: ignore[union-attr]
    branches["run"] = np.full(n, DATA_RUN, dtype=np.uint32)
    branches["luminosityBlock"] = np.full(n, chunk + 1, dtype=np.uint32)
    branches["event"] = np.arange(1, n + 1, dtype=np.uint64)
    lay = sample_layout(cfg, sample)
    lumi = luminosity_pb(cfg, sample, cross_section) * lay.chunk_events(chunk) / lay.events
    return branches, {"lumi_pb": lumi, "data_seed": truth.seed}
