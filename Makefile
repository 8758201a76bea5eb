# Two commands for a fresh machine with Python 3.11+:
#   make run   - the service on http://127.0.0.1:5000 (web + a real Celery worker, embedded
#                SQLite database and broker, a demo article, a moderator token)
#   make test  - the whole suite: lint, types, tests (both backends when reachable)
# Both create and reuse a virtual environment in .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard moderation/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint types pytest translations translations-update bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(COMPILED)

translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--project=moderation -o moderation/translations/messages.pot .
	$(BIN)/pybabel update -i moderation/translations/messages.pot -d moderation/translations --no-wrap

run: $(STAMP) translations
	$(BIN)/moderation serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) translations
	$(BIN)/pytest

test: lint types pytest

bench: $(STAMP) translations
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis $(COMPILED)
