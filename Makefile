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

.PHONY: venv book test test-fast serve clean bench lab lab-setup lab-check pdf normalise dist

## venv: create .venv and install requirements.txt, and the node packages (KaTeX, axe-core) with npm ci (only when missing or out of date)
venv: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# vilib's distribution was called `vilib` before it became `cavi-vilib`: drop the old one
	@! $(BIN)/python -m pip show -q vilib 2>/dev/null || $(BIN)/python -m pip uninstall -y -q vilib
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

## clean: remove the built book and the wheel
clean:
	rm -rf _build dist

## dist: build vilib's wheel (distribution cavi-vilib) into dist/; offline, with the venv's pinned setuptools
dist: $(STAMP)
	rm -rf build dist/cavi_vilib-*.whl
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	@rm -rf build
	@ls dist/cavi_vilib-*.whl

## bench: run every benchmarks/bench_*.py with the venv python (nothing to do without benchmarks/)
bench: $(STAMP)
	@shopt -s nullglob; files=(benchmarks/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "No benchmarks/bench_*.py: nothing to run"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(BIN)/python "$$f" || exit 1; done

## lab-setup: add the pinned JupyterLab, jupyterlab-myst and Jupytext's viewer (requirements-lab.txt)
## to .venv, with .md chapters opening as notebooks (settings go into .venv, never $HOME)
LAB_STAMP := $(VENV)/.stamp-lab
LAB_OVERRIDES := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json
lab-setup: $(LAB_STAMP) $(LAB_OVERRIDES)

$(LAB_STAMP): requirements-lab.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	@touch $@

$(LAB_OVERRIDES): book/_tools/lab/default_setting_overrides.json
	@mkdir -p $(dir $@)
	cp $< $@

## lab: open the chapters in JupyterLab (a chapter opens as a notebook, MyST rendered; saving changes no file)
lab: lab-setup
	$(BIN)/jupyter-lab --ServerApp.ip=127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) --ServerApp.root_dir=book

## lab-check: drive `make lab` in headless Chromium: chapters open as notebooks, MyST rendered, saving changes nothing; times the explorer
lab-check: lab-setup
	$(BIN)/python book/_tools/check_lab.py --widget-latency

## pdf: print the built book to PDF, whole and per chapter, into _build/pdf/$(EDITION)/
## (EDITION=student hides the solutions, EDITION=instructor shows them; builds the book if missing)
EDITION ?= student
pdf: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python book/_tools/make_pdf.py --edition $(EDITION)

## normalise: store every chapter in the exact form Jupytext writes (opening/saving changes nothing)
normalise: $(STAMP)
	$(BIN)/python book/_tools/normalise_chapters.py
