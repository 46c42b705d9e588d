# The front door: `make build` and `make test` set up .venv/ (the package, editable, pinned by requirements.lock)
# first; every other target is one `hospital` command (hospital --help). Paths, vars and the share key reach
# `hospital` literally as environment variables, never as shell text: make build SYNTHEA=dir EMR=path.

PYTHON ?= python3
BIN := .venv/bin
HOSPITAL := $(BIN)/hospital
LOCK_SUM := $(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
BENCH_SIZES ?= 100000 1000000 10000000
BENCH_EXPORT ?=
ifneq ($(value SYNTHEA)$(value EMR)$(value FHIR),)
export HOSPITAL_SYNTHEA_RAW_PATH := $(value SYNTHEA)
export HOSPITAL_EMR_RAW_PATH := $(value EMR)
export HOSPITAL_FHIR_RAW_PATH := $(value FHIR)
endif
export HOSPITAL_RAW_ENCODING := $(or $(value ENCODING),$(HOSPITAL_RAW_ENCODING))
export HOSPITAL_DATE_ORDER := $(or $(value DATE_ORDER),$(HOSPITAL_DATE_ORDER))
ifeq ($(origin HOSPITAL_SHARE_KEY),command line)
export override HOSPITAL_SHARE_KEY := $(value HOSPITAL_SHARE_KEY)
endif
export HOSPITAL_BUILD_VARS := $(value VARS)
export HOSPITAL_REPORT_FILTER := $(value REPORT_FILTER)
export HOSPITAL_BENCH_EXPORT := $(value BENCH_EXPORT)

.PHONY: setup build batch check quality report share test lint test-engines bench bench-build bench-postgres generate-sample clean help

help:
	@echo "make build    set up, then build the warehouse from the shipped sample (SYNTHEA=dir EMR=path FHIR=dir ENCODING=... DATE_ORDER=dmy|mdy VARS={...})"
	@echo "make test     set up, then run every test (pytest on three processes; dbt's tests run inside it)"
	@echo "also: batch check quality report share lint test-engines bench bench-build bench-postgres clean (.venv/bin/hospital --help)"

# set-up: the package with an extra (test, lint, engines), stamped by the checksum of pyproject and lock
.venv/.installed-%-$(LOCK_SUM): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (set PYTHON=python3.11)"'
	test -x $(BIN)/python || $(PYTHON) -m venv .venv
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,$*]' -c requirements.lock
	rm -f .venv/.installed-$*-* && touch $@

setup: .venv/.installed-test-$(LOCK_SUM)

build: setup
	$(HOSPITAL) build
batch: setup
	$(HOSPITAL) batch
check: setup
	$(HOSPITAL) check
quality: setup
	$(HOSPITAL) build --fail-on-warning
share: setup
	$(HOSPITAL) share --vars "$$HOSPITAL_BUILD_VARS"
report: setup
	scripts/ensure_chromium.sh && $(HOSPITAL) report --filter "$$HOSPITAL_REPORT_FILTER"
bench: setup
	$(HOSPITAL) bench run --sizes $(BENCH_SIZES)
bench-build: setup
	$(HOSPITAL) bench build $(if $(value BENCH_EXPORT),--export "$$HOSPITAL_BENCH_EXPORT")
bench-postgres: .venv/.installed-engines-$(LOCK_SUM)
	scripts/ensure_postgres.sh && $(HOSPITAL) bench run --sizes 1000000 --postgres
generate-sample: setup
	rm -rf seeds/synthea seeds/emr seeds/manifest.json && $(HOSPITAL) generate --out seeds --quiet

# Every test, in temporary folders, on three processes (tests/pytest/conftest.py); Chromium for the browser tests.
test: setup
	scripts/ensure_chromium.sh && $(BIN)/python -m pytest tests/pytest -n 3 --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# ruff, then sqlfluff (dbt templater) on a lint database of its own holding seed department_rules, read at compile;
# a one-line FHIR export (tests/fixtures/fhir_minimal) enables the FHIR models, which are linted too.
LINT_ENV := HOSPITAL_DB_PATH=target/lint/lint.duckdb HOSPITAL_DB_TEMP_DIR=target/lint/tmp HOSPITAL_FHIR_RAW_PATH=tests/fixtures/fhir_minimal
lint: .venv/.installed-lint-$(LOCK_SUM)
	$(BIN)/ruff check hospital_warehouse tests
	rm -rf target/lint && mkdir -p target/lint
	$(LINT_ENV) $(BIN)/dbt seed --select department_rules --profiles-dir profiles --quiet
	$(LINT_ENV) $(BIN)/sqlfluff lint models tests/marts --processes 2 --disable-progress-bar

# The same project on PostgreSQL (a throwaway server; Debian's postgresql) and on Spark (pyspark, Java 17),
# each compared table by table with DuckDB (docs/engines.md).
test-engines: .venv/.installed-engines-$(LOCK_SUM)
	scripts/ensure_postgres.sh && scripts/ensure_java.sh && $(BIN)/python -m pytest tests/engines $(PYTEST_ARGS)

clean:
	rm -rf target logs warehouse reports exports
