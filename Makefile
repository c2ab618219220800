# Two commands on a fresh machine (Python >= 3.11, pip and git): `make demo` and `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TYPECHECK := .syncset/typecheck

.PHONY: setup demo test lint typecheck format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/python -m syncset.demo

test: setup lint typecheck
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

# mypy cannot follow the editable install's import hook, so it checks a tree of links that
# spells the installed layout (engine/ is syncset/, schemas/ and providers/ sit inside it);
# its messages are mapped back to the files you edit.
typecheck: setup
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/syncset
	for entry in engine/*; do ln -s "$(CURDIR)/$$entry" $(TYPECHECK)/syncset/; done
	ln -s "$(CURDIR)/schemas" "$(CURDIR)/providers" $(TYPECHECK)/syncset/
	MYPYPATH=$(TYPECHECK) $(BIN)/mypy -p syncset \
	  | sed -E 's#^$(TYPECHECK)/syncset/(schemas|providers)/#\1/#; s#^$(TYPECHECK)/syncset/#engine/#'

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make bench PLAN_BENCH=--with-100k` adds the 100,000-record plan (its set-up takes a long time).
PLAN_BENCH ?=
bench: setup
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/plan.py $(PLAN_BENCH)

clean:
	rm -rf $(VENV) .syncset .pytest_cache .mypy_cache .ruff_cache
