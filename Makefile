# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup assets migrate seed bench clean

run: setup            ## set up everything and run web + worker + beat (embedded PostgreSQL unless DATABASE_URL)
	$(PY) manage.py run_platform

test: setup           ## the whole test suite, one pytest worker per core (pytest-xdist; each its own test database)
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

setup: $(VENV)/.installed assets

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

assets: node_modules/.installed
	$(PY) scripts/copy_vendor.py

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(PY) manage.py migrate

seed: setup           ## district-scale demo data (see `manage.py seed_demo --help`)
	$(PY) manage.py seed_demo

bench: setup          ## benchmarks; figures go to BENCHMARKS.md
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
