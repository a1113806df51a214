# cavi-book: build, test and serve the book.  `make book`, `make test`, `make serve`.
SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.stamp
# Node project for build-time math (KaTeX) and the browser tests' axe-core: `npm ci` from the lock
NODE_DIR   := book/_ext/node
NODE_STAMP := $(NODE_DIR)/node_modules/.stamp
PORT    ?= 8000

# Kernels come from the project venv, not the user's dirs.  MPLBACKEND is deliberately NOT
# exported: notebook kernels must keep matplotlib's inline backend (with Agg the chapters would
# render no figures).  The pytest process itself uses Agg (tests/conftest.py).
export JUPYTER_PREFER_ENV_PATH := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# --all: fresh Sphinx environment on every build, so a warning is never hidden by an
# incremental rebuild (executed notebooks stay cached in _build/.jupyter_cache).
BUILD_CMD := $(BIN)/jupyter-book build . --all -n -W --keep-going
PYTEST_CMD := $(BIN)/python -m pytest tests _build/jupyter_execute \
	--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: venv book test test-fast serve clean bench lab normalise

## venv: create .venv and install requirements.txt, and the node packages (KaTeX, axe-core) with npm ci (only when missing or out of date)
venv: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## book: execute every chapter and build the HTML book into _build/html (fails on warnings)
book: $(STAMP) $(NODE_STAMP)
	$(BUILD_CMD)
	@echo "Book built: $(CURDIR)/_build/html/index.html"

## test: build the book, then run vilib tests, site checks and nbval on every chapter in one pytest run
test: book
	$(PYTEST_CMD)

## test-fast: the library and chapter-source tests only (no book build, no browser): about 2 minutes
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/site -q

## serve: serve the built book on http://127.0.0.1:$(PORT)/
serve:
	@test -f _build/html/index.html || { echo "No _build/html/index.html: run make book first" >&2; exit 1; }
	$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

## clean: remove the built book
clean:
	rm -rf _build

## bench: run every benchmarks/bench_*.py with the venv python (nothing to do without benchmarks/)
bench: $(STAMP)
	@shopt -s nullglob; files=(benchmarks/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "No benchmarks/bench_*.py: nothing to run"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(BIN)/python "$$f" || exit 1; done

## lab: add a pinned JupyterLab to .venv (first use only) and open the chapters in it
lab: $(STAMP)
	@test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install --quiet -r requirements-lab.txt
	$(BIN)/jupyter-lab --ServerApp.ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) book/

## normalise: store every chapter in the exact form Jupytext writes (opening/saving changes nothing)
normalise: $(STAMP)
	$(BIN)/python book/_tools/normalise_chapters.py
