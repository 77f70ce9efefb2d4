# The sequential unblinding (wmass.unblinding; DESIGN.md section 8): one gate rule per stage,
# unblind_dilepton -> unblind_wlike -> unblind_mw, each depending on its fits and the previous gate.
# A gate always writes gate.json (open or refused, every check with its numbers) and, when open,
# unblinded.json; a refusal is recorded, shown in the report, and stops no other job. The folders
# come from the configuration's paths (fit, unblind).

for _stage in UNBLIND_STAGES:

    rule:
        name:
            f"unblind_{_stage.name}"
        input:
            results=[f"{PATHS['fit']}/{f}/result.json" for f in _stage.fits],
            previous=[gate_file(_stage.previous)] if _stage.previous else [],
        output:
            gate_file(_stage.name),
        params:
            config=RESOLVED_CONFIG,
            config_hash=GATE_HASH,
            stage=_stage.name,
        log:
            f"{LOGS}/unblind/{_stage.name}.log",
        threads: 1
        resources:
            mem_mb=1000,
            runtime=5,
        conda:
            CONDA_ENV
        shell:
            "wmass unblind {params.stage} --config {params.config} --record-refusal > {log} 2>&1"
