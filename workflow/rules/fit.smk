# Stages `fitinput` (merged histograms of a fit's analysis -> likelihood tensor) and `fit` (blinded:
# the mass is written with its stage's secret offset until the stage's gate opens, unblind.smk).
# One pair of jobs per fit of the registry; a fit reads the histograms of its analysis.


rule fitinput:
    input:
        lambda w: merged_hists(registry.fit(w.fit).analysis),
    output:
        f"{PATHS['fit']}/{{fit}}/input.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "fitinput"),
    log:
        f"{LOGS}/fitinput/{{fit}}.log",
    benchmark:
        f"{LOGS}/fitinput/{{fit}}.benchmark.tsv"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        CONDA_ENV
    shell:
        "wmass fitinput --config {params.config} --analysis {wildcards.fit} "
        "--out {output} {input} > {log} 2>&1"


rule fit:
    input:
        f"{PATHS['fit']}/{{fit}}/input.h5",
    output:
        result=f"{PATHS['fit']}/{{fit}}/result.json",
        cov=f"{PATHS['fit']}/{{fit}}/cov.h5",
        yields=f"{PATHS['fit']}/{{fit}}/yields.h5",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "fit"),
        outdir=lambda w, output: str(Path(output.result).parent),
    log:
        f"{LOGS}/fit/{{fit}}.log",
    benchmark:
        f"{LOGS}/fit/{{fit}}.benchmark.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        CONDA_ENV
    shell:
        "wmass fit {input} --config {params.config} --out {params.outdir} > {log} 2>&1"
