"""Unit-test fixtures: the seeded test database with the demo invoices added once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from nomos_portal import db, settings
from nomos_portal.services.seed import seed_demo_invoices
from tests.conftest import SEED_NOW, TEST_SECRET_KEY


@pytest.fixture(scope="session")
def invoiced_template(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded template with a year of demo invoices per smart meter."""
    path = tmp_path_factory.mktemp("invoiced") / "portal.db"
    shutil.copy(seeded_template, path)
    engine = sa.create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        seed_demo_invoices(session, now=SEED_NOW)
    engine.dispose()
    return path


@pytest.fixture
def invoiced_session(tmp_path: Path, invoiced_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """An open session on a fresh copy of the invoiced database, with the portal's settings pointed at it."""
    path = tmp_path / "portal.db"
    shutil.copy(invoiced_template, path)
    monkeypatch.setenv("NOMOS_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("BASE_DOMAIN", "localhost")
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    with db.open_session() as session:
        yield session
    db.get_engine().dispose()
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
