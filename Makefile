# Hospital analytics warehouse. `make build` sets up and builds the warehouse from the shipped sample;
# `make test` sets up and runs every test (dbt's own tests run inside the pytest suite, which builds
# into temporary folders). Both create .venv/ at the repository root on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements.lock | cksum | cut -d' ' -f1)
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir profiles
PYTEST_ARGS ?=
# dbt vars for `make build`, e.g. make build VARS='{synthea_raw_path: /data/mgh_export}'
VARS ?=

.PHONY: setup build test clean generate-sample help

help:
	@echo "make build            set up, then build the warehouse (warehouse/hospital.duckdb) from the sample"
	@echo "make test             set up, then run every test (pytest + dbt tests in temporary warehouses)"
	@echo "make generate-sample  regenerate the shipped raw sample under seeds/ (deterministic)"
	@echo "make clean            remove build outputs (target/, logs/, warehouse/)"

$(STAMP): requirements.txt requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (set PYTHON=python3.11)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

build: setup
	mkdir -p warehouse
	$(DBT) build $(DBT_FLAGS) $(if $(VARS),--vars "$(VARS)")

test: setup
	$(BIN)/python -m pytest tests/pytest $(PYTEST_ARGS)

generate-sample: setup
	rm -rf seeds/synthea seeds/emr seeds/manifest.json
	$(BIN)/python scripts/generate_data.py --out seeds --quiet

clean:
	rm -rf target logs warehouse
