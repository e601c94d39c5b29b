# The README's commands. Each creates .venv if missing and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# A CPU build of torch; CUDA users install their own torch first (see README).
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test bench figures readme-tables lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -q -e ".[test]"
	touch $(TEST_STAMP)

setup: $(STAMP)

# The demo starts afresh each time (a finished search directory is never overwritten by a search).
demo: $(STAMP)
	rm -rf runs/demo
	$(BIN)/hyperprune search --hpo tpe --out runs/demo

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests

# Rerun every bench behind a README table at its documented size (bench/results/*.json), then
# rewrite the README's generated tables; readme-tables only re-renders from the stored outputs.
figures bench: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python -m hyperprune.figures --rerun

readme-tables: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python -m hyperprune.figures

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf runs build *.egg-info .pytest_cache .ruff_cache
