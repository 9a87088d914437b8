# Every target sets itself up: a fresh clone needs only python3 (>= 3.10) and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
EMULATOR_ARGS ?=
PYTEST_ARGS ?=

.PHONY: help install test lint format emulator clean

help:
	@echo "make test      - set up .venv, lint, and run the whole test suite"
	@echo "make emulator  - run the local Azure Quantum + IBM Quantum emulator (EMULATOR_ARGS=...)"
	@echo "make format    - apply ruff formatting and safe fixes"
	@echo "make clean     - remove .venv and caches"

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

emulator: $(INSTALLED)
	$(VENV)/bin/airflow-quantum emulator $(EMULATOR_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
