# wmass: the CMS W-boson mass measurement as a Snakemake workflow.
# This file only wires the stages together; each stage's rules live in workflow/rules/.

from snakemake.utils import min_version

min_version("8.8.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/histogram.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/unblind.smk"
include: "workflow/rules/report.smk"


wildcard_constraints:
    sample=SAMPLE_PATTERN,
    chunk=r"\d+",
    analysis="|".join(ANALYSES),
    fit="|".join(FITS),


rule all:
    input:
        final_outputs(),
    default_target: True
