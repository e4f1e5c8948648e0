# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= sources.yaml

.PHONY: run test test-fast lint bench extraction clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime install: the package and its dependencies.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# Test and dev tools on top.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,dev,browser,scale]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/publisher run -c $(CONFIG)

# Every test; test-fast: only those that start no server or subprocess (under a minute).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not slow"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check publisher tests benchmarks
	$(BIN)/ruff format --check publisher tests benchmarks
	$(BIN)/mypy
	$(BIN)/vulture

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

# format: auto scored on ../shared/realworld (no selectors), and its cost beside selectors.
extraction: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.extraction

clean:
	rm -rf $(VENV) .publisher feeds/*.atom feeds/*.rss
