# Collections Workbench. `make run` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_ACCOUNTS ?= 5000
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test`: auto, one per core (2 on this machine); 0 runs the suite in
# one process. A test file stays on one worker (--dist loadfile), so its module-scoped books are
# built once. Each worker gwN has its own test database and Redis database (config/test_settings.py).
TEST_WORKERS ?= auto

.PHONY: install run test lint typecheck migrate demo bench messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py compilemessages --ignore '.venv' >/dev/null 2>&1 || true
	$(PY) manage.py seed_demo --accounts $(DEMO_ACCOUNTS) --if-empty
	$(PY) manage.py demo_users
	$(PY) manage.py assign
	$(PY) manage.py seed_activity --if-empty
	$(PY) manage.py aggregate --from $$(date -u -d '6 months ago' +%F) --to $$(date -u +%F) >/dev/null

run: demo
	@echo "Collections Workbench on http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) .ci/code_shape.py

typecheck: install
	$(PY) -m mypy accounts collections_app scheduling config

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore '.venv/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv'

# The figures of DESIGN.md section 13 on a 1,000,000-account PostgreSQL book (made once, then cloned).
bench: install
	bash .ci/services-up
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
