# The two set-up commands of the README:
#   make demo   install longplay and run a real example playbook on this host
#   make test   install everything the tests need (OpenSSH server included) and run them
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/longplay: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml $(BIN)/longplay
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/longplay
	$(BIN)/longplay run examples/quickstart/site.yml

test: $(VENV)/.test-deps
	./scripts/ensure-test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n auto

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(BIN)/longplay
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
