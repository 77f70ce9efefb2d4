# Configuration validation, the resolved configuration file, and input functions.

from pathlib import Path

from snakemake.utils import validate

from wmass import registry
from wmass.config import ConfigError, sample_layout, stage_hash, validate_config, write_resolved
from wmass.unblinding import gate_hash, stages_through

# Schema validation (also fills defaults), then the package's cross-checks: the CLI runs the same.
validate(config, schema="../schemas/config.schema.yaml")
try:
    config = validate_config(config, source="config")
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

PATHS = config["paths"]
LOGS = PATHS["logs"]
# Every rule hands this file to the CLI; it is rewritten only when the configuration changes.
RESOLVED_CONFIG = write_resolved(config, f"{PATHS['results']}/config.yaml")
LAYOUTS = {name: sample_layout(config, name) for name in config["samples"]}
# What exists comes from the registry (wmass.registry): analyses, fits, unblinding stages.
ANALYSES = list(registry.analysis_names())
FITS = list(registry.fit_names())
UNBLIND_STAGES = registry.STAGES
SAMPLE_PATTERN = "|".join(sorted(config["samples"]))
# The conda environment of all rules (cluster users: --sdm conda); `make` uses .venv instead.
CONDA_ENV = "../../envs/wmass.yaml"
# The unblinding gates the default target runs (unblinding.through) and the hash they check.
TRIED_STAGES = stages_through(config["unblinding"]["through"])
GATE_HASH = gate_hash(config)


def nano_files(sample):
    """NanoAOD files of all chunks of a sample."""
    return [f"{PATHS['nano']}/{sample}/{c}.root" for c in range(LAYOUTS[sample].chunks)]


def all_nano_files():
    return [f for sample in config["samples"] for f in nano_files(sample)]


def analysis_samples(analysis):
    """Samples an analysis histograms: the data and the processes of its fit (fitinput.processes)."""
    wanted = set(config["fitinput"]["processes"][registry.analysis(analysis).layout]) | {"data"}
    return [s for s, lay in LAYOUTS.items() if lay.process in wanted]


def chunk_hists(analysis, sample):
    """Per-chunk histogram files of one analysis and sample."""
    return [f"{PATHS['hists']}/{analysis}/{sample}/{c}.h5" for c in range(LAYOUTS[sample].chunks)]


def merged_hists(analysis):
    """Merged (per-sample) histogram files of one analysis."""
    return [f"{PATHS['hists']}/{analysis}/{sample}.h5" for sample in analysis_samples(analysis)]


def gate_file(stage):
    """The decision file of an unblinding stage's gate."""
    return f"{PATHS['unblind']}/{stage}/gate.json"


def final_outputs():
    """Targets of the default target: every fit, the gates through unblinding.through, the report."""
    return (
        all_nano_files()
        + [f"{PATHS['fit']}/{f}/result.json" for f in FITS]
        + [gate_file(s.name) for s in TRIED_STAGES]
        + [f"{PATHS['report']}/index.html"]
    )
