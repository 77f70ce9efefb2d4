# Stages `histogram` (one job per analysis x sample x chunk) and `merge` (chunks -> sample).


rule histogram:
    input:
        root=f"{PATHS['nano']}/{{sample}}/{{chunk}}.root",
        meta=f"{PATHS['nano']}/{{sample}}/{{chunk}}.json",
    output:
        f"{PATHS['hists']}/{{analysis}}/{{sample}}/{{chunk}}.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "histogram"),
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
