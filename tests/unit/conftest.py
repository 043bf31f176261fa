"""Unit-test fixtures: the seeded test database with the demo invoices added once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from nomos_portal import db
from nomos_portal.services.seed import seed_demo_invoices
from tests.conftest import SEED_NOW, point_portal_at, release_portal_engine
from tests.databases import TestDatabases


@pytest.fixture(scope="session")
def invoiced_template(databases: TestDatabases, seeded_template: str) -> Iterator[str]:
    """URL of a copy of the seeded template with a year of demo invoices per smart meter."""
    url = databases.create(template=seeded_template)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        seed_demo_invoices(session, now=SEED_NOW)
    engine.dispose()
    yield url
    databases.drop(url)


@pytest.fixture
def invoiced_session(
    tmp_path: Path, databases: TestDatabases, invoiced_template: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """An open session on a fresh copy of the invoiced database, with the portal's settings pointed at it."""
    url = databases.check_out(invoiced_template)
    point_portal_at(url, tmp_path=tmp_path, monkeypatch=monkeypatch)
    with db.open_session() as session:
        yield session
    release_portal_engine()
    databases.check_in(url)
