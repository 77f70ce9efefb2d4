# The report (wmass report): figures and tables of every fit, the gate decisions, and the
# unblinded masses of the stages whose gates opened (blinded values are never shown).


rule report:
    input:
        results=[f"{PATHS['fit']}/{f}/result.json" for f in FITS],
        yields=[f"{PATHS['fit']}/{f}/yields.h5" for f in FITS],
        gates=[gate_file(s.name) for s in TRIED_STAGES],
    output:
        f"{PATHS['report']}/index.html",
    params:
        config=RESOLVED_CONFIG,
        config_hash=stage_hash(config, "report"),
        outdir=lambda w, output: str(Path(output[0]).parent),
    log:
        f"{LOGS}/report.log",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        CONDA_ENV
    shell:
        "wmass report --config {params.config} --out {params.outdir} > {log} 2>&1"
