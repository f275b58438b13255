# planner: two commands matter. `make run` sets up and starts the app with demo data;
# `make test` sets up and runs the whole test suite (lint, unit, integration, browser).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-pg lint bench screenshots install install-test browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# The secret key is readable by its owner only (umask 077 before the file exists).
instance/config.py:
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@
	@echo "Wrote instance/config.py with a fresh SECRET_KEY."

# Start the web UI and the publishing worker with SQLite under instance/ and demo data.
run: $(VENV)/.installed instance/config.py
	$(BIN)/planner init-db
	$(BIN)/planner demo --if-empty
	$(BIN)/planner run --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; fi; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check planner tests bench wsgi.py
	$(BIN)/ruff format --check planner tests bench wsgi.py
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The same suite against PostgreSQL (127.0.0.1:5432, trust auth, database test), started if down.
test-pg: install-test
	sh .ci/start-postgres
	PLANNER_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
	  $(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(VENV)/.installed-test
	$(BIN)/python bench/calendar.py
	$(BIN)/python bench/guardrails.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/networks.py
	$(BIN)/python bench/import_csv.py
	$(BIN)/python bench/fill_month.py
	$(BIN)/python bench/media.py
	$(BIN)/python bench/media_renditions.py
	$(BIN)/python bench/suggestions.py
	$(BIN)/python bench/engagement.py

# Refresh the README's screenshots from the browser tests.
screenshots: install-test
	PLANNER_SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

clean:
	rm -rf $(VENV) build *.egg-info
