# zqf-analysis: `make report` builds everything, `make test` checks it. Both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
KERNEL := zqf-analysis
DATASET ?= data/raw/zaqa-2024
export PYTHONHASHSEED := 0
export HF_HUB_OFFLINE := 1
export MPLBACKEND := Agg

.DEFAULT_GOAL := help
.PHONY: help venv lock floors report test test-fast lab bench lint clean distclean

help: ## Show this help (the default goal)
	@echo "zqf-analysis: reproducible analysis of the ZAQA micro-credentials survey"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "  Variables: DATASET=$(DATASET) (a dataset folder), PARAMS='name=value ...' (notebook"
	@echo "  parameters), QUESTIONS=Q8,Q2 (themes runs), JOBS=2 (workers at once; default one per core),"
	@echo "  FORCE=1 (re-run all),"
	@echo "  COMPARE=path/to/other/dataset (04_groups compares the two question by question)"

LOCK := requirements.lock

$(INSTALLED): pyproject.toml $(LOCK)
	@echo "[venv] creating $(VENV) and installing zqf-analysis with its dev tools from $(LOCK) (first run only)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install --quiet -r $(LOCK) >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install --quiet --no-deps -e . >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (zqf-analysis)" >/dev/null
	@touch $@

venv: $(INSTALLED) ## Create .venv and install the package (done automatically by the other targets)

# The lock: exact versions of every package, the same for every platform and every Python >= 3.11
# (uv's universal resolution, one version per package where one fits all), so that two machines
# install the same packages and build the same pages. Regenerate it after changing pyproject.toml.
lock: ## Regenerate requirements.lock from pyproject.toml (needs the package registry)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet uv
	@$(BIN)/python -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --fork-strategy fewest --quiet -o $(LOCK)
	@echo "[lock] $(LOCK) written; run make venv to install it"

# The floors: the lowest versions pyproject.toml allows for each direct dependency, installed into a
# venv of their own, must pass the fast tests (found pandas 2.1.1, numpy 1.24.4, jinja2 3.1.2 and
# nbconvert 7.16.5). Run it after raising or lowering a floor.
FLOORS := .venv-floors
floors: ## Check the dependency floors: install the lowest allowed versions and run the fast tests
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet uv
	@$(BIN)/python -m uv pip compile pyproject.toml --extra dev --resolution lowest-direct \
	  --python-version 3.11 --quiet -o $(FLOORS).txt
	@test -x $(FLOORS)/bin/python || $(PYTHON) -m venv $(FLOORS)
	@$(FLOORS)/bin/python -m pip install --quiet -r $(FLOORS).txt && $(FLOORS)/bin/python -m pip install --quiet --no-deps -e .
	@$(FLOORS)/bin/python -m pytest -q -p no:cacheprovider -m "not slow and not browser"

# The report: a thin front end of `python -m zqf_analysis build`, which plans, judges what is out of
# date and runs it on a pool of JOBS workers itself (no make needed; docs/build.md).
# PARAMS="k=5 03_themes.seed=1", COMPARE=dataset, QUESTIONS="Q8", JOBS=2 (default: one per core, at
# most 4), FORCE=1.
report: $(INSTALLED) ## Build the cleaned data and the rendered report for DATASET (incremental, parallel)
	@$(BIN)/python -m zqf_analysis build --dataset '$(DATASET)' $(if $(PARAMS),--param '$(PARAMS)') \
	  $(if $(COMPARE),--param 'compare=$(COMPARE)') $(if $(QUESTIONS),--questions '$(QUESTIONS)') \
	  $(if $(JOBS),--jobs '$(JOBS)') $(if $(FORCE),--force)

test: $(INSTALLED) ## Run the whole test suite (what CI runs)
	@$(BIN)/python -m pytest -q

# The edit-test loop: every test but those marked slow (they execute notebooks or build a report) or
# browser (headless chromium); under a minute on a 2-core machine.
test-fast: $(INSTALLED) ## Run the tests that execute no notebook and open no browser (under a minute)
	@$(BIN)/python -m pytest -q -m "not slow and not browser" -n auto

lab: $(INSTALLED) ## Start JupyterLab on notebooks/ with the package's kernel
	@$(BIN)/jupyter lab notebooks/

bench: $(INSTALLED) ## Run every benchmark in bench/ (results in bench/results/)
	@for script in bench/bench_*.py; do echo "[bench] $$script"; $(BIN)/python $$script || exit 1; done

lint: $(INSTALLED) ## Check style with ruff
	@$(BIN)/ruff check zqf_analysis tests

clean: ## Remove generated data and reports (keeps .venv)
	rm -rf data/processed/*/ reports/

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV)
