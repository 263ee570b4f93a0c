# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install sandbox migrate clean catalogues

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall whenever the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/binome run

sandbox: install
	$(BIN)/binome sandbox

migrate: install
	$(BIN)/binome migrate

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

# Refresh the catalogues after changing user-facing text: new sentences appear untranslated
# in locales/*/LC_MESSAGES/binome.po, and the test suite fails until both are translated.
catalogues: install
	$(BIN)/pybabel extract --no-default-keywords -k _ -k N_ -k __ -k ngettext:1,2 --no-location \
		--sort-output -o locales/binome.pot mentoring handlers bot
	$(BIN)/pybabel update --no-fuzzy-matching -i locales/binome.pot -d locales -D binome

# A long run of the stateful test of the whole programme (tests/e2e/test_stateful.py):
# hundreds of random programmes of 80 steps instead of the handful the normal suite plays.
.PHONY: fuzz
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/e2e/test_stateful.py -q -k Programme
