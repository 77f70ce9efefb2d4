# Stages `fitinput` (merged histograms of an analysis -> likelihood tensor) and `fit` (blinded:
# the mass is written with its stage's secret offset until the stage's gate opens, unblind.smk).


rule fitinput:
    input:
        lambda w: merged_hists(w.analysis),
    output:
        f"{PATHS['fit']}/{{analysis}}/input.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "fitinput"),
    log:
        f"{LOGS}/fitinput/{{analysis}}.log",
    benchmark:
        f"{LOGS}/fitinput/{{analysis}}.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        CONDA_ENV
    shell:
        "wmass fitinput --config {params.config} --analysis {wildcards.analysis} "
        "--out {output} {input} > {log} 2>&1"


rule fit:
    input:
        f"{PATHS['fit']}/{{analysis}}/input.h5",
    output:
        result=f"{PATHS['fit']}/{{analysis}}/result.json",
        cov=f"{PATHS['fit']}/{{analysis}}/cov.h5",
        yields=f"{PATHS['fit']}/{{analysis}}/yields.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "fit"),
        outdir=lambda w, output: str(Path(output.result).parent),
    log:
        f"{LOGS}/fit/{{analysis}}.log",
    benchmark:
        f"{LOGS}/fit/{{analysis}}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        CONDA_ENV
    shell:
        "wmass fit {input} --config {params.config} --out {params.outdir} > {log} 2>&1"
