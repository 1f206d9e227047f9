# Two commands do everything on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
JOBS ?= 2
# More options for `pokrovsk build`, e.g. BUILD_ARGS="--frontlines frontlines" (the publish workflow).
BUILD_ARGS ?=

.PHONY: book pdf test serve clean bench help

help:
	@echo "make book   build the HTML book into _build/html (offline, from data/)"
	@echo "make pdf    print the built book into _build/pdf/pokrovsk.pdf (offline, Debian chromium)"
	@echo "make test   run the tests (installs Debian chromium for browser tests when root)"
	@echo "make serve  serve _build/html on http://$(HOST):$(PORT)/"
	@echo "make clean  remove executed notebooks, caches and _build"
	@echo "make bench  measure build times and front-line import speed (benchmarks/results/)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

book: $(STAMP)
	@bash .ci/ensure-chromium
	$(BIN)/pokrovsk build --jobs $(JOBS) $(BUILD_ARGS)

pdf: book
	$(BIN)/python -m pokrovsk.pdf

test: $(TEST_STAMP)
	@bash .ci/ensure-chromium
	$(BIN)/python -m pytest

serve: $(STAMP)
	@test -e _build/html/index.html || { echo "No book yet: run 'make book' first."; exit 1; }
	$(BIN)/python -m http.server --bind $(HOST) --directory _build/html $(PORT)

clean:
	@test -x $(BIN)/pokrovsk && $(BIN)/pokrovsk clean || rm -rf _build book/chapters book/data .cache

bench: $(STAMP)
	$(BIN)/python benchmarks/build_times.py
	$(BIN)/python benchmarks/frontlines_bench.py
	@test -e _build/html/index.html || $(MAKE) book
	$(BIN)/python benchmarks/page_weight.py
