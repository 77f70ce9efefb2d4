"""Configuration: load, validate against the JSON schema, resolve run sizes, hash.

The same schema (``src/wmass/schemas/config.schema.yaml``, linked as
``workflow/schemas/config.schema.yaml``) is used by Snakemake at start-up and by every CLI stage,
so a bad value is refused before any job runs, with a message naming the key. A NaN or ±inf is
refused wherever it appears (JSON schema's bounds let NaN through), see :func:`non_finite_keys`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import yaml

__all__ = [
    "ConfigError",
    "SampleLayout",
    "config_hash",
    "correction_files",
    "defaults",
    "load_config",
    "non_finite_keys",
    "sample_layout",
    "schema",
    "stage_hash",
    "write_resolved",
    "validate_config",
]

#: Config blocks that only the generation of pseudo-data may read (DESIGN.md section 4).
HIDDEN_BLOCKS = ("pseudodata",)


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or inconsistent; the message names the key."""


def schema() -> dict[str, Any]:
    """The configuration JSON schema, as a dict."""
    text = files("wmass").joinpath("schemas/config.schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _with_defaults(validator_class: type[jsonschema.protocols.Validator]) -> type[jsonschema.protocols.Validator]:
    """A jsonschema validator class that also fills in `default` values (as Snakemake does)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(
        validator: jsonschema.protocols.Validator, properties: Mapping[str, Any], instance: Any, schema_: Any
    ) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema_)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def _key(path: Any) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


#: Schema keyword of a (sub)schema whose numbers may be NaN or ±inf; every other number of the
#: configuration must be finite (no key needs infinities today: the open mT edge is in the code).
ALLOW_NON_FINITE = "x-allow-non-finite"


def non_finite_keys(value: Any, sub: Any, path: tuple[Any, ...] = ()) -> Iterator[str]:
    """``"<key>: nan is not a finite number"`` for each NaN or ±inf in ``value`` (a configuration or part
    of one, whose schema is ``sub``) outside the subschemas marked :data:`ALLOW_NON_FINITE`.

    JSON schema's ``type: number`` and its bounds let NaN through (every comparison with NaN is
    false), so ``unblinding.max_pull: .nan`` would pass the schema and keep a gate shut for ever.
    """
    sub = sub if isinstance(sub, dict) else {}
    if isinstance(value, float):
        if not math.isfinite(value) and not sub.get(ALLOW_NON_FINITE):
            yield f"{_key(path)}: {value!r} is not a finite number"
    elif isinstance(value, dict):
        props, extra = sub.get("properties", {}), sub.get("additionalProperties", {})
        for k, v in value.items():
            yield from non_finite_keys(v, props.get(k, extra), (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from non_finite_keys(v, sub.get("items", {}), (*path, i))


def validate_config(config: Mapping[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate ``config`` against the schema and cross-check it; return a copy with defaults filled.

    Raises :class:`ConfigError` naming the offending key (e.g. ``samples.wplus.events``); a NaN or
    ±inf anywhere is refused too (:func:`non_finite_keys`).
    """
    cfg = copy.deepcopy(dict(config))
    spec = schema()
    errors = sorted(_Validator(spec).iter_errors(cfg), key=lambda e: list(e.absolute_path))
    lines = [f"{_key(e.absolute_path)}: {e.message}" for e in errors]
    lines += [line for line in non_finite_keys(cfg, spec) if line not in lines]
    if lines:
        raise ConfigError(f"invalid configuration {source}:\n  " + "\n  ".join(lines))
    _cross_check(cfg, source)
    return cfg


def defaults() -> dict[str, Any]:
    """Every top-level entry of the schema that has a default, filled in as :func:`validate_config` fills it.

    The blocks a stage reads when it runs without a configuration file (``wmass fit`` without
    ``--config``). ``sizes`` and ``samples`` have no default (a configuration gives them), and the
    hidden pseudo-data truth (:data:`HIDDEN_BLOCKS`) is left out.
    """
    out: dict[str, Any] = {}
    for name, sub in schema()["properties"].items():
        if "default" in sub and name not in HIDDEN_BLOCKS:
            value = copy.deepcopy(sub["default"])
            _Validator(sub).validate(value)  # fills the nested defaults
            out[name] = value
    return out


def _cross_check(cfg: dict[str, Any], source: str) -> None:
    """Consistency checks that a JSON schema cannot express."""
    if cfg["size"] not in cfg["sizes"]:
        raise ConfigError(
            f"invalid configuration {source}:\n  size: {cfg['size']!r} is not one of the "
            f"presets in sizes ({', '.join(sorted(cfg['sizes']))})"
        )


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML (or JSON) configuration file and validate it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"configuration file {path} is not valid YAML: {exc}") from exc
    if not isinstance(cfg, dict):
        raise ConfigError(f"configuration file {path} must hold a mapping, not {type(cfg).__name__}")
    return validate_config(cfg, source=str(path))


def config_hash(cfg: Mapping[str, Any], blocks: tuple[str, ...] | None = None) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of ``cfg`` or of some of its blocks.

    Hashing only the blocks a stage reads lets a change of fit options leave generated files valid.
    """
    part = dict(cfg) if blocks is None else {k: cfg.get(k) for k in blocks}
    text = json.dumps(part, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SampleLayout:
    """How one sample is split into chunks for the chosen run size."""

    name: str
    process: str
    events: int
    chunks: int

    def chunk_events(self, chunk: int) -> int:
        """Number of events of chunk ``chunk`` (the first chunks take the remainder)."""
        if not 0 <= chunk < self.chunks:
            raise ConfigError(f"sample {self.name} has chunks 0..{self.chunks - 1}, not {chunk}")
        base, rest = divmod(self.events, self.chunks)
        return base + (1 if chunk < rest else 0)

    def first_event(self, chunk: int) -> int:
        """Index (within the sample) of the first event of chunk ``chunk``."""
        return sum(self.chunk_events(c) for c in range(chunk))


def sample_layout(cfg: Mapping[str, Any], sample: str) -> SampleLayout:
    """Events and chunks of ``sample`` at the configured run size."""
    if sample not in cfg["samples"]:
        raise ConfigError(f"unknown sample {sample!r}; samples: {', '.join(cfg['samples'])}")
    size = cfg["sizes"][cfg["size"]]
    spec = cfg["samples"][sample]
    events = max(1, int(round(spec["events"] * size["scale"])))
    chunks = max(1, math.ceil(events / size["max_chunk_events"]))
    return SampleLayout(name=sample, process=spec["process"], events=events, chunks=chunks)


#: Config blocks each stage reads; their hash is the stage's provenance and rerun trigger.
#: The hidden pseudo-data truth is read only by the generation of the `data` sample.
STAGE_BLOCKS: dict[str, tuple[str, ...]] = {
    "generate": ("seed", "generator", "detector"),
    "histogram": ("histogram", "samples", "generator"),
    "fitinput": ("fitinput", "histogram", "samples", "generator"),
    "fit": ("fit", "blinding"),
    "report": ("unblinding", "fitinput"),
}


def without_hidden(cfg: Mapping[str, Any], *also: str) -> dict[str, Any]:
    """The configuration without the hidden pseudo-data truth (and without the keys ``also``)."""
    return {k: v for k, v in cfg.items() if k not in (*HIDDEN_BLOCKS, *also)}


#: Keys of the correction files (correctionlib JSON) that a stage reading the block of the first
#: element reads: (block, sub-block, key). Read by wmass.analyses.muonscale and .efficiency.
CORRECTION_KEYS: tuple[tuple[str, str, str], ...] = (
    ("histogram", "calibration", "file"),
    ("histogram", "efficiency", "file"),
)


def _correction_entries(cfg: Mapping[str, Any], stage: str) -> list[tuple[str, str]]:
    """(dotted key, path) of each correction file configured for ``stage`` (null keys left out)."""
    if stage not in STAGE_BLOCKS:
        raise ConfigError(f"no stage {stage!r}; stages: {', '.join(STAGE_BLOCKS)}")
    entries = []
    for block, sub, key in CORRECTION_KEYS:
        if block not in STAGE_BLOCKS[stage]:
            continue
        value = ((cfg.get(block) or {}).get(sub) or {}).get(key)
        if value is not None:
            entries.append((f"{block}.{sub}.{key}", str(value)))
    return entries


def correction_files(cfg: Mapping[str, Any], stage: str) -> list[str]:
    """The correction files ``stage`` reads: the non-null ``histogram.calibration.file`` and
    ``histogram.efficiency.file`` for every stage whose blocks include ``histogram`` (histogram,
    fitinput), in that order, without repetitions; ``[]`` for the other stages or by default.

    The paths are returned as configured: a relative path is relative to the working directory
    (the workflow's root, where Snakemake and the ``wmass`` commands it runs start).
    """
    return list(dict.fromkeys(path for _, path in _correction_entries(cfg, stage)))


def _file_sha256(key: str, path: str) -> str:
    """SHA-256 (hex) of the content of the correction file ``path`` configured at ``key``."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise ConfigError(
            f"{key}: correction file {path} does not exist "
            f"(a relative path is relative to the working directory, {Path.cwd()})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{key}: correction file {path} cannot be read: {exc.strerror or exc}") from None
    return digest.hexdigest()


def stage_hash(cfg: Mapping[str, Any], stage: str, sample: str | None = None) -> str:
    """Hash of what ``stage`` reads of the configuration (for one sample, where it applies).

    A sample's generation depends on its own event count and the run size, not on other samples.
    The content (SHA-256) of each correction file the stage reads (:func:`correction_files`) is
    hashed too, so new corrections under the same path change the hash; without correction files
    (the default) the hash is that of the configuration blocks alone. A missing or unreadable
    correction file is a :class:`ConfigError` naming its key and path.
    """
    if stage not in STAGE_BLOCKS:
        raise ConfigError(f"no stage {stage!r}; stages: {', '.join(STAGE_BLOCKS)}")
    part: dict[str, Any] = {k: cfg.get(k) for k in STAGE_BLOCKS[stage]}
    corrections = {key: _file_sha256(key, path) for key, path in _correction_entries(cfg, stage)}
    if corrections:  # only then: the hashes of configurations without correction files are unchanged
        part["correction_files"] = corrections
    if sample is not None:
        lay = sample_layout(cfg, sample)
        part["sample"] = [lay.name, lay.process, lay.events, lay.chunks]
        if lay.process == "data":
            part.update({k: cfg.get(k) for k in HIDDEN_BLOCKS})
    return config_hash(part)


def write_resolved(cfg: Mapping[str, Any], target: str | Path) -> str:
    """Write the validated configuration (defaults filled) to ``target`` unless it already holds it.

    Returns ``target`` as a string. Left untouched when unchanged, so its time stamp is stable.
    """
    from wmass.io import atomic_path

    target = Path(target)
    text = yaml.safe_dump(json.loads(json.dumps(dict(cfg), default=str)), sort_keys=True)
    if not (target.is_file() and target.read_text(encoding="utf-8") == text):
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return str(target)
