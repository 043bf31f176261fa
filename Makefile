# `make run` starts the portal with demo data; `make test` runs every test, on SQLite and
# on PostgreSQL with Redis. Both install what is missing first (see scripts/setup.sh).
SHELL := /bin/bash
ENV := source scripts/env.sh &&
# The SQLite suites ignore the server URLs a shell may have exported for the PostgreSQL suite.
SQLITE := env -u TEST_DATABASE_URL -u TEST_REDIS_URL
# Start the private PostgreSQL and Redis (scripts/services.sh) and export their URLs. In CI,
# stop them again when the recipe ends, whatever its result.
WITH_SERVICES := urls=$$(scripts/services.sh) && eval "$$urls" && \
	{ [[ -z "$${CI:-}" ]] || trap 'scripts/services.sh stop' EXIT; } &&

.PHONY: setup setup-test run migrate seed test lint unit-test browser-test test-postgres services services-stop clean

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
	$(ENV) $(SQLITE) pytest tests/unit

# The browser tests import the app in their own process, apart from the unit tests.
browser-test: setup-test
	$(ENV) $(SQLITE) pytest tests/browser

# Unit and browser tests against PostgreSQL and Redis, installed from Debian when missing.
test-postgres: setup-test
	$(ENV) $(WITH_SERVICES) pytest tests/unit && pytest tests/browser

test: setup-test lint unit-test browser-test test-postgres

services:
	scripts/services.sh

services-stop:
	scripts/services.sh stop

clean:
	rm -rf .web screenshots outbox nomos_portal.db
