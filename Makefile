# Media Fill — every target sets itself up from nothing (venv, Python packages, and, as root on
# Debian/Ubuntu, the apt packages it needs) and can be run again safely.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv matrix-venvs system-deps demo test faults run package lint bench screenshots clean

# The test matrix: the whole suite runs on the Anki of requirements.txt (the newest); these older
# releases get the collection, CLI and GUI tiers, each in a venv of its own (.venv-anki-25.07/, …).
# The 500-note responsiveness measurement (a timing bar) runs on the newest only.
OLDER_ANKIS := 25.07 25.09
MATRIX_TIERS := tests/collection tests/cli tests/gui --ignore=tests/gui/test_responsiveness.py

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-test.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

matrix-venvs: $(foreach version,$(OLDER_ANKIS),.venv-anki-$(version)/.installed)

.venv-anki-%/.installed: requirements-anki-%.txt requirements-test.txt
	@test -x .venv-anki-$*/bin/python || $(PYTHON) -m venv .venv-anki-$*
	.venv-anki-$*/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-anki-$*.txt
	@touch $@

system-deps:
	@bash devtools/ensure_system_packages.sh

demo: venv system-deps
	$(PY) -m devtools.demo --out demo

test: venv system-deps matrix-venvs
	$(PY) -m pytest
	@for version in $(OLDER_ANKIS); do \
		echo "== Anki $$version: the collection, CLI and GUI tiers"; \
		.venv-anki-$$version/bin/python -m pytest -p no:cacheprovider $(MATRIX_TIERS) || exit 1; \
	done

# The whole fault matrix, 20 killed jobs, the hostile corpus and the security tests; writes
# docs/reliability.md from this run (make test runs a CI-sized part of the same suites).
faults: venv system-deps
	MEDIA_FILL_FAULTS=full MEDIA_FILL_RELIABILITY_DOC=docs/reliability.md $(PY) -m pytest -p no:cacheprovider \
		tests/faults tests/cli/test_cli_crash_resume.py tests/hostile tests/security

run: venv system-deps
	$(PY) -m devtools.run_anki

package: venv
	$(PY) -m devtools.package --out dist/media_fill.ankiaddon

bench: venv
	$(PY) -m devtools.bench_registry
	$(PY) -m devtools.bench_engine
	$(PY) -m devtools.bench_pictures
	$(PY) -m devtools.bench_import

screenshots: venv system-deps
	$(PY) -m devtools.screenshots --out docs/screenshots

lint: venv
	$(PY) -m ruff check addon tests devtools
	$(PY) -m ruff format --check addon tests devtools
	$(PY) -m mypy

clean:
	rm -rf dist demo build .pytest_cache .mypy_cache .ruff_cache
