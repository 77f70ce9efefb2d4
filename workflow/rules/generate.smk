# Stage `generate`: one job per sample x chunk, NanoAOD-schema ROOT file + JSON sidecar.


rule generate:
    output:
        root=f"{PATHS['nano']}/{{sample}}/{{chunk}}.root",
        meta=f"{PATHS['nano']}/{{sample}}/{{chunk}}.json",
    params:
        config=RESOLVED_CONFIG,
        config_hash=lambda w: stage_hash(config, "generate", w.sample),
    log:
        f"{LOGS}/generate/{{sample}}/{{chunk}}.log",
    benchmark:
        f"{LOGS}/generate/{{sample}}/{{chunk}}.benchmark.tsv"
    threads: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=30,
    shell:
        "wmass generate --config {params.config} --sample {wildcards.sample} "
        "--chunk {wildcards.chunk} --out {output.root} > {log} 2>&1"
