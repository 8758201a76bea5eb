# Two commands for a fresh machine with Python 3.11+:
#   make run   - the service on http://127.0.0.1:5000 (web + a real Celery worker, embedded
#                SQLite database and broker, a demo article, a moderator token)
#   make test  - the whole suite: lint, types, tests (both backends when reachable)
# Both create and reuse a virtual environment in .venv, installed from the hashed locks
# (requirements-dev.lock; `make lock` rewrites them from pyproject.toml).

PYTHON ?= python3
# The suite runs in this many processes (pytest-xdist): it mostly waits on servers and
# workers, so two share a 2-core machine well.
TEST_PROCESSES ?= 2
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard moderation/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
# Locked, hashed dependencies: the service's own set, and that set plus the dev tools.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# Tools that write the locks and audit them, kept apart from the locked environment.
TOOLS := .venv-tools
UV_VERSION := 0.13.9
PIP_AUDIT_VERSION := 2.10.1
# One version per package for every platform, resolved for the oldest supported Python.
LOCK_FLAGS := --generate-hashes --universal --python-version 3.11 --fork-strategy fewest --quiet

.PHONY: run test lint types pytest translations translations-update bench clean lock lock-upgrade audit

$(STAMP): pyproject.toml $(DEV_LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
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
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist worksteal

test: lint types pytest

bench: $(STAMP) translations
	$(BIN)/python bench/intake.py

# Write both locks from pyproject.toml (run it after changing a dependency, and commit the
# locks). Versions already locked are kept when they still fit; lock-upgrade takes the newest.
lock: $(TOOLS)/bin/uv
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(UPGRADE) -o $(DEV_LOCK)
	$(TOOLS)/bin/uv pip compile pyproject.toml -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(LOCK)

lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

# Known vulnerabilities in the locked runtime set. Needs a machine that reaches an advisory
# database (PyPI's, or OSV with `make audit AUDIT_FLAGS="-s osv"`); CI does not run it.
audit: $(TOOLS)/bin/pip-audit
	$(TOOLS)/bin/pip-audit --require-hashes --disable-pip -r $(LOCK) $(AUDIT_FLAGS)

$(TOOLS)/bin/pip-audit:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet pip-audit==$(PIP_AUDIT_VERSION)

clean:
	rm -rf $(VENV) $(TOOLS) instance .pytest_cache .mypy_cache .ruff_cache .hypothesis $(COMPILED)
