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
# The raw exports `make build` and `make batch` read: SYNTHEA=folder of the Synthea export, EMR=an EMR
# extract file, a folder of them or a glob (monthly files: EMR='/data/emr/*.csv'), ENCODING=utf-8
# (default), latin-1, cp1252 (Windows-1252: read from a UTF-8 copy the door writes) or utf-16;
# e.g. make build SYNTHEA=/data/mgh_export ENCODING=latin-1.
# They reach the door and dbt as the environment variables HOSPITAL_SYNTHEA_RAW_PATH, HOSPITAL_EMR_RAW_PATH
# and HOSPITAL_RAW_ENCODING, never as shell text: a path may hold spaces, quotes, brackets, `$` or `*`.
# When SYNTHEA or EMR is given, both are set (a source not given is read as absent); neither: the shipped
# sample (or whatever those variables hold in your shell). Environment variables keep dbt's partial
# parsing from one build to the next.
SYNTHEA ?=
EMR ?=
ENCODING ?=
ifneq ($(value SYNTHEA)$(value EMR),)
export HOSPITAL_SYNTHEA_RAW_PATH := $(value SYNTHEA)
export HOSPITAL_EMR_RAW_PATH := $(value EMR)
endif
ifneq ($(value ENCODING),)
export HOSPITAL_RAW_ENCODING := $(value ENCODING)
endif
# other dbt vars for `make build`, e.g. make build VARS='{suppress_small_cells: true}' (passed to dbt
# through the environment too).
VARS ?=
export HOSPITAL_BUILD_VARS := $(value VARS)
DBT_VARS := $${HOSPITAL_BUILD_VARS:+--vars "$$HOSPITAL_BUILD_VARS"}
BUILD_DB := warehouse/hospital.duckdb

QUALITY := $(BIN)/python scripts/run_quality.py --quiet
QUALITY_FLAGS ?=
# the door's flags: a batch's patients snapshot is checked against the warehouse it is loaded into
DOOR_FLAGS ?=

BENCH_SIZES ?= 100000 1000000 10000000

# dbt build flags of `make build`: a full build from the export given (see docs/incremental.md)
BUILD_MODE ?= --full-refresh
# set by `make batch` only (on make's command line, which overrides this; not read from your shell)
BATCH_RUN :=

# The other engines (make test-engines): their adapters live in their own environment, so that the
# default install stays DuckDB only.
ENGINES_VENV := .venv-engines
ENGINES_BIN := $(ENGINES_VENV)/bin
ENGINES_STAMP := $(ENGINES_VENV)/.installed-$(shell cat requirements.txt requirements.lock requirements-postgres.txt requirements-spark.txt | cksum | cut -d' ' -f1)

.PHONY: setup build batch quality report share test lint test-engines bench bench-build bench-postgres clean generate-sample help

help:
	@echo "make build            set up, then build the warehouse (warehouse/hospital.duckdb) from the sample"
	@echo "  SYNTHEA=dir EMR=file-folder-or-glob ENCODING=utf-8|latin-1|cp1252|utf-16 VARS={...}: build your own export"
	@echo "make test             set up, then run every test (pytest, with dbt's tests and make build in temporary folders)"
	@echo "make quality          make build, also failing on any warning of the data-quality checks"
	@echo "make report           the dashboard's pages as a PDF for paper: reports/dashboard/hospital_kpis.pdf"
	@echo "  REPORT_FILTER='source=synthea&year=2024': print that selection (filters source, year, department, age)"
	@echo "make share            de-identified copy of the last build (HOSPITAL_SHARE_KEY=secret): warehouse/hospital_share.duckdb,"
	@echo "                      exports/share/*.parquet (docs/privacy.md); VARS: the build's dbt vars"
	@echo "make lint             ruff (Python) and sqlfluff (the models and singular tests, dbt templater)"
	@echo "outputs: warehouse/hospital_bi.duckdb (read-only copy for clients), exports/*.parquet (Power BI),"
	@echo "         reports/dashboard/index.html, reports/dbt_docs/index.html, reports/data_docs/index.html"
	@echo "make generate-sample  regenerate the shipped raw sample under seeds/ (deterministic)"
	@echo "make batch SYNTHEA=dir EMR=file  load a batch of new rows incrementally (docs/incremental.md)"
	@echo "make test-engines     build a generated sample on PostgreSQL and on Spark; compare every published table with DuckDB's"
	@echo "make bench            benchmark builds at BENCH_SIZES encounters against pandas and hand-written SQL"
	@echo "make bench-build      make build end to end on BENCH_EXPORT (default: make bench's 10M export): step times, peak memory"
	@echo "make bench-postgres   the 1M-encounter build on DuckDB and on PostgreSQL, side by side"
	@echo "make clean            remove build outputs (target/, logs/, warehouse/)"

$(STAMP): requirements.txt requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (set PYTHON=python3.11)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c requirements.lock
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# scripts/ of the project the environment belongs to (the folder holding it, symlinks resolved) on the
# import path of its Python (a .pth file, what an editable install writes): the scripts and the tests
# import rawfiles, dbtrun, quality, hospgen... wherever they run from.
SCRIPTS_ON_PATH := -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "hospital_scripts.pth").write_text(str(pathlib.Path(sys.prefix).resolve().parent / "scripts") + "\n")'

setup: $(STAMP)
	@$(BIN)/python $(SCRIPTS_ON_PATH)

$(ENGINES_STAMP): requirements.txt requirements.lock requirements-postgres.txt requirements-spark.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required (set PYTHON=python3.11)"'
	$(PYTHON) -m venv $(ENGINES_VENV)
	$(ENGINES_BIN)/pip install --quiet --upgrade pip
	$(ENGINES_BIN)/pip install --quiet -r requirements.txt -r requirements-postgres.txt -r requirements-spark.txt -c requirements.lock
	rm -f $(ENGINES_VENV)/.installed-*
	touch $(ENGINES_STAMP)

# The build: checks at the door (raw files), dbt build (models and dbt tests), checks on the marts; then,
# only when all of that passed, publish the read-only BI copy and Parquet exports, the KPI dashboard and
# the dbt docs, and print a short quality summary. `make quality` is the same build, failing on any
# error-severity finding of the checks (QUALITY_FLAGS). The docs are generated with --no-compile: the dbt
# build before them compiled every node, and its manifest (compiled SQL included) is what they show.
build: setup
	mkdir -p warehouse
	$(QUALITY) --stage raw --build-db $(BUILD_DB) $(DOOR_FLAGS) $(QUALITY_FLAGS)
	HOSPITAL_BATCH_SINCE=$(if $(BATCH_RUN),"$$(date -u '+%Y-%m-%d %H:%M:%S.%6N')") $(DBT) build $(DBT_FLAGS) $(BUILD_MODE) $(DBT_VARS)
	$(QUALITY) --stage marts --append $(QUALITY_FLAGS)
	$(BIN)/python scripts/publish.py
	$(BIN)/python scripts/dashboard/build_dashboard.py
	$(DBT) docs generate $(DBT_FLAGS) --static --no-compile $(DBT_VARS) > /dev/null
	mkdir -p reports/dbt_docs && cp target/static_index.html reports/dbt_docs/index.html
	$(BIN)/python scripts/quality_summary.py
	@echo "published: warehouse/hospital_bi.duckdb, exports/*.parquet, reports/dashboard/index.html, reports/dbt_docs/index.html"

# An incremental batch (docs/incremental.md): SYNTHEA=folder of new rows (+ current patients, payers,
# organizations) and/or EMR=file of new visits, loaded into the existing warehouse without --full-refresh.
# BATCH_RUN=1 hands dbt HOSPITAL_BATCH_SINCE, the moment the batch starts (UTC): the tests of the history
# models look at the rows written since (their `where` in the models' yml); a full build leaves it empty.
# dbt's unit tests check the models' SQL on fixed inputs, not the data: `make build` and `make test` run
# them, a batch (the nightly production run) leaves them out, as dbt's documentation advises.
# A batch runs two models or tests at once (BATCH_THREADS): its nodes are small and many, so one runs
# while dbt prepares the next (faster than one; three gain nothing on two cores: docs/decisions.md); a full
# build keeps profiles.yml's one at a time.
BATCH_THREADS ?= 2
batch:
	@test -n "$$HOSPITAL_SYNTHEA_RAW_PATH$$HOSPITAL_EMR_RAW_PATH" || { echo "usage: make batch SYNTHEA=/path/to/batch/synthea EMR=/path/to/batch/visits.csv"; exit 2; }
	$(MAKE) build BATCH_RUN=1 BUILD_MODE="--exclude-resource-type unit_test --exclude resource_type:seed --threads $(BATCH_THREADS)" \
		DOOR_FLAGS="--batch-of $(BUILD_DB)"

# Lint: ruff for Python (pyproject.toml), sqlfluff for the SQL of the models and singular tests (.sqlfluff,
# dbt templater: it compiles the project). The same checks run as pre-commit hooks (.pre-commit-config.yaml).
LINT_VENV := .venv-lint
LINT_BIN := $(LINT_VENV)/bin
LINT_STAMP := $(LINT_VENV)/.installed-$(shell cat requirements.txt requirements-lint.txt | cksum | cut -d' ' -f1)

$(LINT_STAMP): requirements.txt requirements-lint.txt
	$(PYTHON) -m venv $(LINT_VENV)
	$(LINT_BIN)/pip install --quiet --upgrade pip
	$(LINT_BIN)/pip install --quiet -r requirements-lint.txt dbt-duckdb -c requirements.txt
	rm -f $(LINT_VENV)/.installed-*
	touch $(LINT_STAMP)

# sqlfluff's dbt templater compiles every model against a database of its own (not the warehouse, which a
# clean checkout does not have): int_synthea_encounters_enriched reads seed department_rules as it compiles.
LINT_ENV := HOSPITAL_DB_PATH=target/lint/lint.duckdb HOSPITAL_DB_TEMP_DIR=target/lint/tmp

lint: $(LINT_STAMP)
	$(LINT_BIN)/ruff check scripts tests
	rm -rf target/lint && mkdir -p target/lint
	$(LINT_ENV) $(LINT_BIN)/dbt seed --select department_rules --profiles-dir profiles --quiet
	$(LINT_ENV) $(LINT_BIN)/sqlfluff lint models tests/marts --processes 2 --disable-progress-bar

quality: QUALITY_FLAGS := --fail-on-warning
quality: build

# The de-identified share of the last build (docs/privacy.md): keyed pseudonyms, dates moved per patient,
# birth years, ages capped at 90, the KPI marts rebuilt with the small-cell rule on. The secret comes from
# the environment (HOSPITAL_SHARE_KEY), never from the command line; VARS: the dbt vars the build used.
share: setup
	$(BIN)/python scripts/share.py --vars "$$HOSPITAL_BUILD_VARS"

# The dashboard of the last build as a PDF (A4 landscape, every page) for readers on paper: headless
# Chromium prints reports/dashboard/index.html?print=1. REPORT_FILTER picks the selection, as the page's
# filters do: make report REPORT_FILTER='source=emr&year=2024'.
REPORT_FILTER ?=
report: setup
	scripts/ensure_chromium.sh
	$(BIN)/python scripts/dashboard/print_report.py --filter "$(REPORT_FILTER)"

# Every test: the pytest suite, which runs dbt's tests in the builds it makes, `make build` end to end on
# exports of every kind (tests/pytest/test_bad_input.py) and the quality gate of `make quality` on the
# shipped sample (tests/pytest/test_quality.py).
test: setup
	scripts/ensure_chromium.sh
	$(BIN)/python -m pytest tests/pytest $(PYTEST_ARGS)

# The same project on PostgreSQL (a throwaway server the tests start and stop; Debian's postgresql package,
# installed when missing and run as root) and on Spark (dbt-spark's session method: pyspark in local mode,
# Java 17), each compared table by table with the DuckDB build (docs/engines.md).
test-engines: $(ENGINES_STAMP)
	@$(ENGINES_BIN)/python $(SCRIPTS_ON_PATH)
	scripts/engines/ensure_postgres.sh
	@command -v java >/dev/null 2>&1 || { echo "error: Java (17) is not installed: Spark needs it (apt-get install -y openjdk-17-jre-headless)" >&2; exit 1; }
	$(ENGINES_BIN)/python -m pytest tests/engines $(PYTEST_ARGS)

bench: setup
	$(BIN)/python scripts/benchmark/run_benchmark.py --sizes $(BENCH_SIZES)
	$(BIN)/python scripts/benchmark_generator.py --encounters 10000000

# `make build` end to end on one export, as a user runs it: each step's time, the run's peak memory and the
# door's share (scripts/benchmark/make_build.py; it rebuilds this checkout's warehouse from that export).
BENCH_EXPORT ?= data/bench/enc_10000000
export HOSPITAL_BENCH_EXPORT := $(value BENCH_EXPORT)
bench-build: setup
	$(BIN)/python scripts/benchmark/make_build.py --export "$$HOSPITAL_BENCH_EXPORT"

# The 1M-encounter benchmark (as make bench) plus the same files built on PostgreSQL (COPY load timed apart).
bench-postgres: $(ENGINES_STAMP)
	@$(ENGINES_BIN)/python $(SCRIPTS_ON_PATH)
	scripts/engines/ensure_postgres.sh
	$(ENGINES_BIN)/python scripts/benchmark/run_benchmark.py --sizes 1000000 --postgres

generate-sample: setup
	rm -rf seeds/synthea seeds/emr seeds/manifest.json
	$(BIN)/python scripts/generate_data.py --out seeds --quiet

clean:
	rm -rf target logs warehouse reports exports
