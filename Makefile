# Media Fill — every target sets itself up from nothing (venv, Python packages, and, as root on
# Debian/Ubuntu, the apt packages it needs) and can be run again safely.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv system-deps demo test run package lint bench screenshots clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

system-deps:
	@bash devtools/ensure_system_packages.sh

demo: venv system-deps
	$(PY) -m devtools.demo --out demo

test: venv system-deps
	$(PY) -m pytest

run: venv system-deps
	$(PY) -m devtools.run_anki

package: venv
	$(PY) -m devtools.package --out dist/media_fill.ankiaddon

bench: venv
	$(PY) -m devtools.bench_registry
	$(PY) -m devtools.bench_engine
	$(PY) -m devtools.bench_import

screenshots: venv system-deps
	$(PY) -m devtools.screenshots --out docs/screenshots

lint: venv
	$(PY) -m ruff check addon tests devtools
	$(PY) -m ruff format --check addon tests devtools
	$(PY) -m mypy

clean:
	rm -rf dist demo build .pytest_cache .mypy_cache .ruff_cache
