# Two commands do everything on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LAB_STAMP := $(VENV)/.installed-lab
# Exact versions of every dependency (make lock); installs take them as constraints, so each
# target installs only what it needs, at the locked versions.
LOCK := requirements.lock
INSTALL := $(BIN)/python -m pip install --quiet --constraint $(LOCK)
HOST ?= 127.0.0.1
PORT ?= 8000
# Notebooks executed side by side: one per core, as `pokrovsk build` does by default.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
# More options for `pokrovsk build`, e.g. BUILD_ARGS="--frontlines frontlines" (the publish workflow).
BUILD_ARGS ?=

.PHONY: book pdf test serve clean bench lab lock locales help

help:
	@echo "make book   build the HTML book into _build/html (offline, from data/)"
	@echo "make pdf    print the built book into _build/pdf/pokrovsk.pdf and the worksheets into _build/pdf/worksheets/ (offline, Debian chromium)"
	@echo "make test   run the tests (installs Debian chromium for browser tests when root)"
	@echo "make serve  serve _build/html on http://$(HOST):$(PORT)/"
	@echo "make clean  remove executed notebooks, caches and _build"
	@echo "make bench  measure build times, the dated-editions sweep and front-line import speed (benchmarks/results/)"
	@echo "make lab    open the chapter notebooks in JupyterLab (installed on first use)"
	@echo "make lock   recompile requirements.lock from the ranges in pyproject.toml (needs PyPI)"
	@echo "make locales  extract the pages' text afresh and update the translators' catalogs in book/locales/"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(INSTALL) -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(INSTALL) -e '.[test]'
	@touch $@

# The tests' JavaScript tools at the versions in package-lock.json (axe-core, current release).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@bash .ci/ensure-npm
	npm ci --ignore-scripts --no-audit --no-fund --silent

$(LAB_STAMP): $(STAMP)
	$(INSTALL) -e '.[lab]'
	@touch $@

book: $(STAMP)
	@bash .ci/ensure-chromium
	$(BIN)/pokrovsk build --jobs $(JOBS) $(BUILD_ARGS)

pdf: book
	$(BIN)/python -m pokrovsk.pdf

test: $(TEST_STAMP) $(NODE_STAMP)
	@bash .ci/ensure-chromium
	$(BIN)/python -m pytest

serve: $(STAMP)
	@test -e _build/html/index.html || { echo "No book yet: run 'make book' first."; exit 1; }
	$(BIN)/python -m http.server --bind $(HOST) --directory _build/html $(PORT)

# Jupyter refuses to run as root unless told (containers, CI).
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=$(HOST) \
		$(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[lock]'
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--custom-compile-command 'make lock' --quiet -o $(LOCK)
	$(BIN)/python -m pokrovsk.lockfile stamp

locales: $(STAMP)
	$(BIN)/pokrovsk locales

clean:
	@test -x $(BIN)/pokrovsk && $(BIN)/pokrovsk clean || rm -rf _build book/chapters book/data .cache

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/build_times.py
	$(BIN)/python benchmarks/frontlines_bench.py
	$(BIN)/python benchmarks/sweep_time.py
	@test -e _build/html/index.html || $(MAKE) book
	$(BIN)/python benchmarks/page_weight.py
