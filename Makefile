# The two commands:
#   make demo   a running demo platform at http://localhost:8000/ (Ctrl-C stops it)
#   make test   the whole test suite
# Both create .venv with python3.11 on first use. With DATABASE_URL / REDIS_URL unset they use
# the embedded PostgreSQL and Redis under var/ (platform_site/embedded.py); set them to use
# your own servers instead.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-from-pyproject
PORT ?= 8000
# One id per make invocation: two `make test` runs never share a queue, cache prefix or test
# database, even against the same PostgreSQL and Redis.
RUN_ID := $(shell echo $$PPID)-$(shell date +%s)
PYTEST_ARGS ?=
BENCH_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help demo test lint format messages bench bench-sync bench-storefront bench-checkout bench-settlement stop-services clean-var venv

help:
	@echo "make demo           migrate, bootstrap, seed and run the demo platform on port $(PORT)"
	@echo "make test           run the whole test suite (PYTEST_ARGS='-k something' to narrow)"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make format         ruff format + ruff check --fix"
	@echo "make messages       extract and compile translations (needs GNU gettext)"
	@echo "make bench          provisioning benchmark in a scratch database (BENCH_ARGS='--n 50')"
	@echo "make bench-sync     100,000 stock updates through the inventory sync"
	@echo "make bench-storefront  storefront list/search/product pages under 8 concurrent clients"
	@echo "make bench-checkout full checkouts across two suppliers, 16 concurrent clients"
	@echo "make bench-settlement  one settlement run over 1,000,000 order lines"
	@echo "make stop-services  stop the embedded PostgreSQL and Redis (data stays in var/)"
	@echo "make clean-var      stop the embedded servers and delete var/ (all local data)"

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (set PYTHON=...)"; exit 1; }
	@test -x $(PY) || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet -e '.[dev,test]'
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m platform_site.embedded
	$(PY) manage.py migrate_schemas --noinput
	$(PY) manage.py platform_bootstrap
	PLATFORM_PORT=$(PORT) $(PY) manage.py demo_seed
	PLATFORM_PORT=$(PORT) exec $(PY) -m platform_site.demo --port $(PORT)

test: $(STAMP)
	CELERY_QUEUE="$${CELERY_QUEUE:-test-$(RUN_ID)}" \
	CACHE_KEY_PREFIX="$${CACHE_KEY_PREFIX:-test-$(RUN_ID)}" \
	TEST_DATABASE_NAME="$${TEST_DATABASE_NAME:-test_platform_$(subst -,_,$(RUN_ID))}" \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The compiled .mo files are committed, so a fresh machine needs no gettext to run the demo.
messages: $(STAMP)
	$(PY) manage.py makemessages --locale zh_Hans --locale en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'staticfiles/*' --ignore 'bench/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'var/*'

bench: $(STAMP)
	$(PY) bench/provision.py $(BENCH_ARGS)

bench-sync: $(STAMP)
	$(PY) bench/inventory_sync.py $(BENCH_ARGS)

bench-storefront: $(STAMP)
	$(PY) bench/storefront.py $(BENCH_ARGS)

bench-checkout: $(STAMP)
	$(PY) bench/checkout.py $(BENCH_ARGS)

bench-settlement: $(STAMP)
	$(PY) bench/settlement.py $(BENCH_ARGS)

stop-services:
	@if [ -x $(PY) ]; then $(PY) -m platform_site.demo stop-services; fi

clean-var: stop-services
	rm -rf var
