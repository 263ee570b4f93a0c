# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The locks: exact versions with their hashes, for the bot and for development (`make lock`).
LOCK := requirements.txt
DEV_LOCK := requirements-dev.txt
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

.PHONY: run test lint install lock sandbox migrate clean catalogues

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the lock or the package's own metadata changes. The project itself comes
# last, without dependencies and without build isolation: everything it needs, to run and to
# build, is in the lock.
$(VENV)/.installed: $(LOCK) $(DEV_LOCK) pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip-sync -q $(DEV_LOCK)  # and remove what an earlier lock had and this one has not
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
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

# Refresh the locks after changing dependencies in pyproject.toml: versions already locked stay
# unless they no longer fit; `make lock UPGRADE=1` moves everything to the newest that fits.
# The development lock is constrained by the runtime one, so both hold the same versions.
lock: install
	$(COMPILE) -o $(LOCK) pyproject.toml
	$(COMPILE) --extra dev --all-build-deps -c $(LOCK) -o $(DEV_LOCK) pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info build dist

# Refresh the catalogues after changing user-facing text: new sentences appear untranslated
# in locales/*/LC_MESSAGES/binome.po, and the test suite fails until both are translated.
catalogues: install
	$(BIN)/pybabel extract --no-default-keywords -k _ -k N_ -k __ -k ngettext:1,2 -k t -k tn:1,2 --no-location \
		--sort-output -o locales/binome.pot mentoring handlers bot
	$(BIN)/pybabel update --no-fuzzy-matching --width 100 -i locales/binome.pot -d locales -D binome

# A long run of the stateful test of the whole programme (tests/e2e/test_stateful.py):
# hundreds of random programmes of 80 steps instead of the handful the normal suite plays.
.PHONY: fuzz
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/e2e/test_stateful.py -q -k Programme
