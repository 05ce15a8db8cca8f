# Candidly: `make run` starts the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint typecheck check bench chaos scale clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Candidly needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	@bin/run

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check candidly tests bench
	$(VENV)/bin/ruff format --check candidly tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy candidly

check: lint typecheck test

# Figures and the kill harness on PostgreSQL (started if needed); see bench/README.md.
bench: $(VENV)/.installed-test
	$(PY) bench/bench.py

chaos: $(VENV)/.installed-test
	$(PY) bench/chaos.py

# A million candidates in candidly_scale, every recruiter page timed over HTTP, the worker's checks measured.
scale: $(VENV)/.installed-test
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
