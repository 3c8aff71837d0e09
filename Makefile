# Every target sets up what it needs from the project's own files; nothing is installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
WORKSPACE ?= ./toolpref-data
PORT ?= 8501

.PHONY: demo test test-fast lint bench env clean

# The main environment: the core plus every extra the tests use. torch is pinned to the CPU build 2.13.0 and
# installed first, so that nothing resolves a newer (CUDA) torch.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[hub,sampling,app,train,dev]"
	@if $(BIN)/pip list 2>/dev/null | grep -qi '^nvidia-'; then echo "CUDA packages were pulled in" >&2; exit 1; fi
	touch $@

env: $(BIN)/.installed

demo: env
	$(BIN)/toolpref run demo --workspace $(WORKSPACE)
	$(BIN)/toolpref studio --workspace $(WORKSPACE) --port $(PORT)

# The whole suite, slow tier included: real engines and servers need their own environments and system packages.
test: env
	bash scripts/setup_test_env.sh
	$(BIN)/pytest -p no:cacheprovider

test-fast: env
	$(BIN)/pytest -p no:cacheprovider -m "not slow"

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy curation

bench: env
	bash scripts/setup_test_env.sh
	@set -e; for bench in benchmarks/*.py; do echo "== $$bench"; $(BIN)/python $$bench; done

clean:
	rm -rf $(VENV) .venv-* $(WORKSPACE) .pytest_cache .mypy_cache .ruff_cache
