# Two entry points, as README.md says: `make run` and `make test`.
# Both create .venv when missing and install the pinned dependencies and the package into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
PROFILE ?= profiles/local
SNAKEMAKE_ARGS ?=

# Rules call the `wmass` command: make the venv's bin directory come first.
export PATH := $(BIN):$(PATH)
# JAX: CPU by default and no GPU probing noise; a lent GPU machine overrides this.
export JAX_PLATFORMS ?= cpu

RABBIT_VENV := .venv-rabbit

.PHONY: all run test test-fast rabbit-env dry-run lint clean-outputs

all: run

$(STAMP): pyproject.toml envs/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r envs/requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## run: set up and run the whole workflow on the default sample
run: $(STAMP)
	$(BIN)/snakemake --profile $(PROFILE) $(SNAKEMAKE_ARGS)
	@$(BIN)/wmass summary --config results/config.yaml

## test: set up and run the test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not slurm and not rabbit" $(PYTEST_ARGS)

## rabbit-env: the separate environment of CMS's TensorFlow fitter (rabbit-fit), ~2.5 GB.
## When it exists, `make test` also compares our fit with rabbit's on the same input.
rabbit-env: $(RABBIT_VENV)/.installed

$(RABBIT_VENV)/.installed: envs/requirements-rabbit.txt
	@test -x $(RABBIT_VENV)/bin/python || $(PYTHON) -m venv $(RABBIT_VENV)
	$(RABBIT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RABBIT_VENV)/bin/python -m pip install --quiet -r envs/requirements-rabbit.txt
	@touch $@

dry-run: $(STAMP)
	$(BIN)/snakemake -n --config size=tiny

## lint: the code checks that `make test` also runs (tests/test_lint.py), plus Snakemake's own lint
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/snakemake --lint

clean-outputs:
	rm -rf data/nano hists fit results report unblind logs .snakemake
