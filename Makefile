# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# One pytest-xdist worker per core; the tests sharing a heavy snapshot (the demo) stay together.
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: run test lint install install-test translations messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the dependencies change; always recompile the translations.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

install-test: $(VENV)/.installed-test translations

translations: $(VENV)/.installed
	$(BIN)/python -m portal.i18n

## Bring the database to the current schema, load the demo when it is empty, serve on :5000
## with the background worker beside it (notifications, the case sweep, digests), stopped with it.
run: install
	$(BIN)/portal db upgrade
	$(BIN)/portal demo --if-empty
	$(BIN)/portal worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

## The whole suite: the lint first (seconds), then unit, request and browser tests.
## PYTHONDONTWRITEBYTECODE emptied: each pytest process rewrites the asserts of ~200 test
## modules (five seconds) unless it may keep them in __pycache__ for the next one.
test: install-test lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff (pycodestyle, pyflakes, bugbear, the one-clock ban) over the tree; mypy over portal/.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy portal

## Extract the strings to translate and merge them into the catalogues.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o portal/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
