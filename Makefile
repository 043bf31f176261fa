# `make run` starts the portal with demo data; `make test` runs every test.
# Both install what is missing first (see scripts/setup.sh).
SHELL := /bin/bash
ENV := source scripts/env.sh &&

.PHONY: setup setup-test run migrate seed test lint unit-test browser-test clean

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --browser

migrate: setup
	$(ENV) python -m nomos_portal migrate

seed: migrate
	$(ENV) python -m nomos_portal seed

run: seed
	$(ENV) python -m nomos_portal tenants && python -m nomos_portal demo-logins
	$(ENV) reflex run

lint: setup
	$(ENV) ruff check nomos_portal tests alembic bench rxconfig.py
	$(ENV) ruff format --check nomos_portal tests alembic bench rxconfig.py

unit-test: setup
	$(ENV) pytest tests/unit

# The browser tests import the app in their own process, apart from the unit tests.
browser-test: setup-test
	$(ENV) pytest tests/browser

test: setup-test lint unit-test browser-test

clean:
	rm -rf .web screenshots outbox nomos_portal.db
