# Every target sets up .venv/ itself when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/kbnn-2020-04-peak.toml
ARGS ?=

.PHONY: install simulate serve check test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

simulate: $(STAMP)
	$(BIN)/peakload simulate --scenario $(SCENARIO) $(ARGS)

serve: $(STAMP)
	$(BIN)/peakload serve --scenario $(SCENARIO) $(ARGS)

check: $(STAMP)
	$(BIN)/peakload check scenarios/*.toml

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.simulator_speed
	$(BIN)/python -m benchmarks.mock_overhead

clean:
	rm -rf $(VENV) build *.egg-info
