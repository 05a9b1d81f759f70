# Every target sets up .venv/ itself when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/kbnn-2020-04-peak.toml
ARGS ?=

.PHONY: install simulate serve loadtest loadtest-full check test test-units test-compute test-load test-load-untimed test-load-timed test-long test-long-beside test-long-alone test-fast lint docs bench baseline bench-speed clean

# pip compiles every package's bytecode as it installs (a quarter of the install's CPU):
# kept, because with PYTHONDONTWRITEBYTECODE=1 (set on this machine) nothing compiled
# later is cached, and every process of the tests would compile its imports again.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
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

# make test in two parts, every part always run; the target fails if any did.
# First: everything but the load tests and the pure simulations on every core
# (test-units) and, at the same time (their output printed when they end), the load
# tests that time nothing (marked `untimed`: they judge counts, status codes, files or
# the mix; mostly waiting on their servers, about 0.4 of a core between them) two per
# core, unpinned (test-load-untimed). Then the load tests that time things one per core
# (test-load-timed; -n auto: one pytest-xdist worker per core; PEAKLOAD_PIN_CORES pins
# each to its own core with the servers and Locust processes its tests start,
# tests/conftest.py), so no two share a core. Beside both parts, from the start, the
# tests marked `compute` (the simulator against queueing theory, sizing: no server, no
# wall clock) run at idle priority (test-compute: SCHED_IDLE runs them only on a core
# nothing else wants, and gives the core up the moment another process wakes): they
# take what the first part leaves and the 70 % of both cores the timed load tests
# leave idle while they wait on their traffic. The checks that need minutes of traffic
# each are in test-long. WAIT_FOR_PID (used by .ci/run): before the timed load tests,
# wait for that process to end (calibrate's recovery check, run beside the work that
# times nothing, never beside the timed load tests).
PYTEST := $(BIN)/python -m pytest -q -n auto --dist worksteal
WAIT_FOR_PID ?=
test: $(STAMP)
	status=0; untimed_log=$$(mktemp); compute_log=$$(mktemp); \
	$(MAKE) --no-print-directory test-compute >"$$compute_log" 2>&1 & compute=$$!; \
	$(MAKE) --no-print-directory test-load-untimed >"$$untimed_log" 2>&1 & untimed=$$!; \
	$(MAKE) --no-print-directory test-units || status=$$?; \
	wait $$untimed || status=$$?; \
	cat "$$untimed_log"; rm -f "$$untimed_log"; \
	if [ -n "$(WAIT_FOR_PID)" ]; then \
	    echo "make test: waiting for process $(WAIT_FOR_PID) before the timed load tests"; \
	    while kill -0 $(WAIT_FOR_PID) 2>/dev/null; do sleep 2; done; \
	fi; \
	$(MAKE) --no-print-directory test-load-timed || status=$$?; \
	wait $$compute || status=$$?; \
	cat "$$compute_log"; rm -f "$$compute_log"; \
	exit $$status

test-units: $(STAMP)
	$(PYTEST) -m "not load and not long and not compute" --durations=10

# chrt is util-linux's (Debian: essential): --idle 0 is SCHED_IDLE, inherited by the
# pytest-xdist workers and the process pools their simulations start.
test-compute: $(STAMP)
	chrt --idle 0 $(PYTEST) -m "compute and not load and not long" --durations=10

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
# validate's drill judges: 1.4 ms measured against 0.0 predicted):
# - test-long-beside: calibrate --plan's recovery of a hidden truth (marked `beside`). It
#   judges busy time the mock accrued, not waits, and held its bars at a load average of
#   8, so .ci/run runs it beside lint, docs and test-units (none of which times anything);
# - test-long-alone: validate with its failure drill, then the real-service experiment
#   (it pins the stack and the generator to the machine's two cores itself), one at a
#   time on the whole machine.
# make test-long runs both parts, one after the other.
test-long: $(STAMP)
	status=0; \
	$(MAKE) --no-print-directory test-long-beside || status=$$?; \
	$(MAKE) --no-print-directory test-long-alone || status=$$?; \
	exit $$status

test-long-beside: $(STAMP)
	$(BIN)/python -m pytest -q -m "long and beside" --durations=10

test-long-alone: $(STAMP)
	$(BIN)/python -m pytest -q -m "long and not beside" --durations=10

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
# the nationwide sizing against one replication of its day (gated by make bench only once
# results/baselines/suite has its ratio: make baseline on a quiet machine).
bench-speed: $(STAMP)
	$(BIN)/python -m benchmarks.simulator_speed
	$(BIN)/python -m benchmarks.mock_overhead
	$(BIN)/python -m benchmarks.sizing_speed

clean:
	rm -rf $(VENV) build *.egg-info
