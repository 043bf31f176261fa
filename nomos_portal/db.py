"""The database engine and sessions used by services, states and commands."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlmodel import Session

from nomos_portal.settings import get_settings


@functools.cache
def get_engine() -> sa.Engine:
    """Return the process-wide engine for the configured database URL."""
    url = get_settings().database_url
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    # SQLite ignores foreign keys unless each connection asks for them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_session() -> Session:
    """Open a session on the configured database; use it as a context manager."""
    return Session(get_engine(), expire_on_commit=False)
