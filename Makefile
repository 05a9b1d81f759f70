# Every target sets up .venv/ itself when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/kbnn-2020-04-peak.toml
ARGS ?=

.PHONY: install simulate serve loadtest loadtest-full check test test-units test-compute test-load test-load-untimed test-load-timed test-long test-long-beside test-long-timed test-long-alone test-fast lint docs bench baseline bench-speed clean

# uv installs what pyproject.toml lists (resolved as pip would: the same releases here),
# fetching and unpacking in parallel: 23 s on a fresh clone here, against 89 s for pip
# alone, which stays the fallback where uv cannot be installed. Every package's bytecode
# is compiled as it installs: with PYTHONDONTWRITEBYTECODE=1 (set on this machine)
# nothing compiled later is cached, and every process of the tests would compile its
# imports again.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	{ $(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.4' && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -e '.[dev,postgres]'; } || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	touch $(STAMP)

install: $(STAMP)

simulate: $(STAMP)
	$(BIN)/peakload simulate --scenario $(SCENARIO) $(ARGS)

# The April day in about 5 minutes (auto compression ~126x) with a tenth of the users
# thinking a tenth as long: the same request rate, 1,300 connections (signed in first, ~40 s).
loadtest: $(STAMP)
	$(BIN)/peakload loadtest --scenario $(SCENARIO) --user-scale 0.1 $(ARGS)

# Full scale on this machine: the April window with 13,000 users, then nationwide
# 16,332, real think times, 09:00-11:00 compressed 20x (10.5 minutes each with the 07:30 lead-in,
# after 6.5 and 8 minutes of sign-ins at the rate the signature tier takes).
loadtest-full: $(STAMP)
	status=0; \
	$(BIN)/peakload loadtest --scenario scenarios/kbnn-2020-04-peak.toml \
		--window 09:00-11:00 --lead-in 07:30 --compress 20 $(ARGS) || status=$$?; \
	$(BIN)/peakload loadtest --scenario scenarios/nationwide-2020-12.toml \
		--window 09:00-11:00 --lead-in 07:30 --compress 20 $(ARGS) || status=$$?; \
	exit $$status

serve: $(STAMP)
	$(BIN)/peakload serve --scenario $(SCENARIO) $(ARGS)

check: $(STAMP)
	$(BIN)/peakload check scenarios/*.toml

# make test: the load tests that time things on the machine as it is, and everything
# else beside them at idle priority, on the CPU they leave. Every part always runs; the
# target fails if any did.
# - test-load-timed, at normal priority: the load tests that time things, one per core
#   (-n auto: one pytest-xdist worker per core; PEAKLOAD_PIN_CORES pins each to its own
#   core with the servers and Locust processes its tests start, tests/conftest.py), so
#   no two share a core. They spend about 70 % of both cores waiting on their traffic
#   (252 CPU seconds in 402 s on 2 cores, measured alone).
# - beside them, at idle priority ($(IDLE)): test-units then test-compute (the tests
#   marked `compute`: the simulator against queueing theory, sizing), and at the same
#   time test-load-untimed (the load tests that time nothing: they judge counts, status
#   codes, files or the mix; two per core, unpinned). Linux's SCHED_IDLE gives them a
#   core only when no other process wants it and takes it back the moment one wakes,
#   so the timed load tests run as they run alone (402.7 s with the rest beside them,
#   402.0 s alone, each test within 1.6 s: docs/development.md), and the rest uses the
#   cores those leave idle: make test took 7:44 here (9:49 in CI, beside calibrate's
#   recovery check; 13:19 in CI in the layout before).
# Two variables let CI put more work on the same layout (.ci/run does):
# - BESIDE: targets run at idle priority before test-units, in the same chain
#   (BESIDE="lint docs": they time nothing);
# - THEN: targets run at normal priority, one after the other, once test-load-timed has
#   ended, while the parts beside finish on the CPU they leave (THEN="test-long-timed
#   bench": checks that time things as the timed load tests do).
# Their output is printed when all parts have ended, then each part's exit status. On an
# interrupt the parts beside are stopped (each runs in a process group of its own). The checks
# that need minutes of traffic each are in test-long.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist worksteal
IDLE := $(if $(shell command -v chrt 2>/dev/null),chrt --idle 0,nice -n 19)
# (nice -n 19 where util-linux's chrt is missing: a weaker yield, the same layout)
# A command in a process group of its own, to stop it whole on an interrupt; not setsid,
# whose new session the kernel's autogroups weigh equal to make test's (.ci/own_group.py):
# in one run that slowed the timed load tests from 402 s to 554 s and failed two of them.
OWN_GROUP := $(BIN)/python .ci/own_group.py
BESIDE ?=
THEN ?=
test: $(STAMP)
	timed=0; idle=0; untimed=0; then=0; idle_log=$$(mktemp); untimed_log=$$(mktemp); \
	$(OWN_GROUP) $(IDLE) $(MAKE) --no-print-directory test-load-untimed >"$$untimed_log" 2>&1 & untimed_pid=$$!; \
	$(OWN_GROUP) sh -c 's=0; for part in $(BESIDE) test-units test-compute; do \
	  $(IDLE) $(MAKE) --no-print-directory $$part || s=$$?; done; exit $$s' >"$$idle_log" 2>&1 & idle_pid=$$!; \
	trap 'kill -- -$$untimed_pid -$$idle_pid 2>/dev/null; rm -f "$$idle_log" "$$untimed_log"; exit 130' INT TERM; \
	$(MAKE) --no-print-directory test-load-timed || timed=$$?; \
	for part in $(THEN); do $(MAKE) --no-print-directory $$part || then=$$?; done; \
	wait $$idle_pid || idle=$$?; \
	wait $$untimed_pid || untimed=$$?; \
	trap - INT TERM; \
	cat "$$idle_log" "$$untimed_log"; rm -f "$$idle_log" "$$untimed_log"; \
	echo "make test: exit status of test-load-timed $$timed$(if $(THEN),; then $(THEN) $$then); $(if $(BESIDE),$(BESIDE) then )test-units then test-compute $$idle; test-load-untimed $$untimed"; \
	[ $$timed -eq 0 ] && [ $$then -eq 0 ] && [ $$idle -eq 0 ] && [ $$untimed -eq 0 ]

test-units: $(STAMP)
	$(PYTEST) -m "not load and not long and not compute" --durations=10

# The simulations marked `compute`. make test runs them with $(IDLE) (util-linux's chrt,
# essential on Debian: SCHED_IDLE, inherited by the pytest-xdist workers and the process
# pools their simulations start).
test-compute: $(STAMP)
	$(PYTEST) -m "compute and not load and not long" --durations=10

# Both kinds of load test, the untimed first.
test-load: $(STAMP)
	status=0; \
	$(MAKE) --no-print-directory test-load-untimed || status=$$?; \
	$(MAKE) --no-print-directory test-load-timed || status=$$?; \
	exit $$status

# Two workers per core (the cores this process may use), none pinned (tests/conftest.py
# pins nothing with more workers than cores).
test-load-untimed: $(STAMP)
	$(BIN)/python -m pytest -q -n $$(( 2 * $$(nproc) )) --dist worksteal \
		-m "load and untimed and not long" --durations=20

test-load-timed: $(STAMP)
	PEAKLOAD_PIN_CORES=1 $(PYTEST) -m "load and not untimed and not long" --durations=40

# The long end-to-end checks, a few minutes of traffic each, unpinned (one pinned core
# for a mock and its generator adds to waits of a fraction of a millisecond, which
# validate's drill judges: 1.4 ms measured against 0.0 predicted), by what they bear
# beside them:
# - test-long-beside: calibrate --plan's recovery of a hidden truth (marked `beside`). It
#   judges busy time the mock accrued, not waits, and held its bars at a load average of
#   8, so .ci/run runs it at nice 19 beside make test;
# - test-long-timed: validate with its failure drill. It times waits as the timed load
#   tests do, at normal priority with idle-priority work beside it at most, so .ci/run
#   runs it in make test once the timed load tests have ended (THEN);
# - test-long-alone: the real-service experiment (marked `alone`: it pins the stack and
#   the generator to the machine's two cores itself and judges the CPU seconds the OS
#   counts, whose cost per request other work on a core moves), on an otherwise idle
#   machine.
# make test-long runs the three, one after the other.
test-long: $(STAMP)
	status=0; \
	$(MAKE) --no-print-directory test-long-beside || status=$$?; \
	$(MAKE) --no-print-directory test-long-timed || status=$$?; \
	$(MAKE) --no-print-directory test-long-alone || status=$$?; \
	exit $$status

# Only the files that mark a test long are collected: 7 s here against 12 s for the whole
# tree, twice on CI's critical path.
LONG_FILES = $(shell grep -rlE 'mark\.long' tests --include='test_*.py')
test-long-beside: $(STAMP)
	$(BIN)/python -m pytest -q -m "long and beside" --durations=10 $(LONG_FILES)

test-long-timed: $(STAMP)
	$(BIN)/python -m pytest -q -m "long and not beside and not alone" --durations=10 $(LONG_FILES)

test-long-alone: $(STAMP)
	$(BIN)/python -m pytest -q -m "long and alone" --durations=10 $(LONG_FILES)

test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not load and not long"
	PEAKLOAD_PIN_CORES=1 $(PYTEST) -m "load and not slow and not long"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The reference site (MkDocs Material) from docs/ into build/site/, --strict: a broken
# link or a page missing from the nav fails. The CLI pages are generated from --help.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The CI regression gate: fixed-seed simulations, a short load test and peakload's own
# speed, each compared with results/baselines/ (Markdown + JUnit in results/bench/).
# SMOKE=path/to/copy.toml runs the gate on a changed smoke scenario.
SMOKE ?= scenarios/ci-smoke.toml
bench: $(STAMP)
	$(BIN)/python -m benchmarks.gate --smoke $(SMOKE)

# Refresh the baselines on purpose; review the diff of results/baselines/ and commit it.
baseline: $(STAMP)
	$(BIN)/python -m benchmarks.gate --update

# The long-form speed figures: 500,000 simulated customers, 500 connections to the mock,
# the nationwide sizing against one replication of its day (make bench gates its ratio
# against results/baselines/suite).
bench-speed: $(STAMP)
	$(BIN)/python -m benchmarks.simulator_speed
	$(BIN)/python -m benchmarks.mock_overhead
	$(BIN)/python -m benchmarks.sizing_speed

clean:
	rm -rf $(VENV) build *.egg-info
