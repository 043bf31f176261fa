"""Fixtures shared by unit and browser tests: a migrated, seeded database of its own per test.

The databases are SQLite files, or PostgreSQL databases when TEST_DATABASE_URL is set (see tests/databases.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from sqlmodel import Session, select

from alembic import command
from nomos_portal import db, settings
from nomos_portal.models import Plan
from nomos_portal.services import tenancy
from nomos_portal.services.seed import seed_demo_data, seed_demo_meter_data, seed_demo_prices
from tests.databases import TestDatabases, test_database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef0123456789"
# The moment the test database's demo meter data was generated for: a year back to the day before.
SEED_NOW = datetime.datetime(2026, 12, 4, 11, 0, tzinfo=datetime.UTC)


def alembic_config(url: str) -> Config:
    """Alembic configuration of this project, pointed at a database URL."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["configure_logger"] = False
    config.attributes["database_url"] = url
    return config


def migrate(url: str) -> None:
    """Create the schema at a URL with the project's migrations."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    engine.dispose()


DATABASE_COUNTS = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    """The factory of this session's test databases (SQLite files or PostgreSQL databases)."""
    factory = TestDatabases(folder=tmp_path_factory.mktemp("databases"), server_url=test_database_url())
    yield factory
    factory.close()
    kind = "PostgreSQL" if factory.is_postgresql else "SQLite"
    request.config.stash[DATABASE_COUNTS] = (
        f"{kind} test databases: {factory.copies_created} copied from a template, "
        f"{factory.copies_reused} reused unchanged"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Say which database the tests ran on and how many copies they needed."""
    if DATABASE_COUNTS in config.stash:
        terminalreporter.write_line(config.stash[DATABASE_COUNTS])


@pytest.fixture(scope="session")
def seeded_template(databases: TestDatabases) -> Iterator[str]:
    """URL of a migrated and seeded database that each test copies."""
    url = databases.create()
    migrate(url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        seed_demo_data(session, secret_key=TEST_SECRET_KEY)
        seed_demo_prices(session)
        seed_demo_meter_data(session, now=SEED_NOW)
    engine.dispose()
    yield url
    databases.drop(url)


def point_portal_at(url: str, *, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the portal's settings and engine at a test database."""
    monkeypatch.setenv("NOMOS_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("BASE_DOMAIN", "localhost")
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SMTP_HOST", raising=False)
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


def release_portal_engine() -> None:
    """Close the portal engine's connections and forget the test settings and resolved tenants."""
    tenancy.forget_cached_plans()
    db.get_engine().dispose()
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def portal_env(
    tmp_path: Path, databases: TestDatabases, seeded_template: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[settings.Settings]:
    """Point the portal's settings and engine at a fresh copy of the seeded database."""
    url = databases.check_out(seeded_template)
    point_portal_at(url, tmp_path=tmp_path, monkeypatch=monkeypatch)
    yield settings.get_settings()
    release_portal_engine()
    databases.check_in(url)


@pytest.fixture
def session(portal_env: settings.Settings) -> Iterator[Session]:
    """An open session on the test database."""
    with db.open_session() as open_session:
        yield open_session


@pytest.fixture
def acme(session: Session) -> Plan:
    """The acme-power demo plan."""
    return session.exec(select(Plan).where(Plan.slug == "acme-power")).one()


@pytest.fixture
def lumio(session: Session) -> Plan:
    """The lumio demo plan."""
    return session.exec(select(Plan).where(Plan.slug == "lumio")).one()


@pytest.fixture
def now() -> datetime.datetime:
    """A fixed, aware point in time for rules that depend on the clock."""
    return datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)
