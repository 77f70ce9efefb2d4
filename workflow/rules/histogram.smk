# Stages `histogram` (one job per analysis x sample x chunk) and `merge` (chunks -> sample).
# The correction files of the configuration (histogram.calibration.file, histogram.efficiency.file;
# relative to the workflow's root) are inputs of every histogram job, and their content is part of
# the stage hash (a rule parameter): a newer file, or new content under the same path, reruns the
# histogram jobs and everything after them. Merge and fitinput check the chunks' hash against it.

from wmass.config import ConfigError, correction_files, stage_hash

try:
    HISTOGRAM_CORRECTIONS = correction_files(config, "histogram")
    HISTOGRAM_HASH = stage_hash(config, "histogram")
except ConfigError as exc:  # a missing correction file stops the run before any job, naming the key
    raise WorkflowError(str(exc)) from None


rule histogram:
    input:
        root=f"{PATHS['nano']}/{{sample}}/{{chunk}}.root",
        meta=f"{PATHS['nano']}/{{sample}}/{{chunk}}.json",
        corrections=HISTOGRAM_CORRECTIONS,
    output:
        f"{PATHS['hists']}/{{analysis}}/{{sample}}/{{chunk}}.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=HISTOGRAM_HASH,
    log:
        f"{LOGS}/histogram/{{analysis}}/{{sample}}/{{chunk}}.log",
    benchmark:
        f"{LOGS}/histogram/{{analysis}}/{{sample}}/{{chunk}}.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        CONDA_ENV
    shell:
        "wmass histogram --config {params.config} --analysis {wildcards.analysis} "
        "--sample {wildcards.sample} --chunk {wildcards.chunk} --input {input.root} "
        "--out {output} > {log} 2>&1"


rule merge:
    input:
        lambda w: chunk_hists(w.analysis, w.sample),
    output:
        f"{PATHS['hists']}/{{analysis}}/{{sample}}.h5",
    params:
        config=RESOLVED_CONFIG,
    log:
        f"{LOGS}/merge/{{analysis}}/{{sample}}.log",
    benchmark:
        f"{LOGS}/merge/{{analysis}}/{{sample}}.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        CONDA_ENV
    shell:
        "wmass merge --config {params.config} --analysis {wildcards.analysis} "
        "--sample {wildcards.sample} --out {output} {input} > {log} 2>&1"
