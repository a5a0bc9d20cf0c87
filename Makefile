# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: run test install check-system lint benchmarks clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (python3 --version).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: check-system $(VENV)/.installed

check-system:
	@bash scripts/check-system.sh

# Install into .venv, migrate the SQLite database, load the demonstration data, serve; the task
# worker (large imports, report issuing) runs beside the web server and is stopped with it.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

# The whole test suite, on SQLite unless DATABASE_URL names a PostgreSQL database.
test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

benchmarks: install
	-$(BIN)/python benchmarks/report.py
	-$(BIN)/python benchmarks/pages.py
	-$(BIN)/python benchmarks/import.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
