# Two commands: `make run` starts the product, `make test` runs the whole suite (on every core,
# with pytest-xdist; the PostgreSQL and browser tests too when .ci/run sets them up).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# A developer's machine: demo accounts, plain-HTTP cookies, keys kept in instance/ (the app
# itself defaults to production; an LOWCODE_ENV already set wins).
run: export LOWCODE_ENV ?= development
run: $(VENV)/.installed-run
	$(BIN)/lowcode serve

# Python caches compiled and assertion-rewritten modules in __pycache__ (git ignores it) even
# where the environment turns that off: else every xdist worker compiles the suite again.
test: export PYTHONDONTWRITEBYTECODE =
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n auto --dist worksteal

bench: $(VENV)/.installed-test
	$(BIN)/python bench/expressions.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/forms.py
	$(BIN)/python bench/flows.py

clean:
	rm -rf $(VENV) instance .pytest_cache
