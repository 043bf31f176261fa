"""Throw-away test databases: SQLite files by default, PostgreSQL databases when TEST_DATABASE_URL is set.

With `TEST_DATABASE_URL=postgresql+psycopg://user:password@127.0.0.1:55432/nomos` the suite connects to
that server (the user needs CREATEDB) and gives each test a copy of a migrated, seeded template
(`CREATE DATABASE ... TEMPLATE ...`). A copy takes about half a second for the seeded demo data, so a
copy that its test left unchanged goes to the next test instead of being dropped (see `check_in`).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import re
import shutil
from pathlib import Path

import sqlalchemy as sa

logger = logging.getLogger(__name__)

TEST_DATABASE_URL_VARIABLE = "TEST_DATABASE_URL"
# Every database this suite creates is named nomos_test_<pid>_<n>, so leftovers of a crashed run can be found.
NAME_PREFIX = "nomos_test_"
_NAME_PATTERN = re.compile(rf"^{NAME_PREFIX}(\d+)_\d+$")


@dataclasses.dataclass(frozen=True)
class _Fingerprint:
    """What changes when anything writes to a PostgreSQL database, read without writing."""

    # First transaction id not yet assigned in the cluster: every write (even one rolled back) takes one.
    next_transaction_id: int
    # Sequences advance without a transaction id when a failed insert used a cached value.
    sequences: tuple[tuple[str, int | None], ...]


def test_database_url() -> str:
    """Return the server URL from TEST_DATABASE_URL, or an empty string for SQLite."""
    return os.environ.get(TEST_DATABASE_URL_VARIABLE, "").strip()


class TestDatabases:
    """Create, copy and drop the databases of one test session.

    Args:
        folder: Folder for SQLite files; unused with PostgreSQL.
        server_url: SQLAlchemy URL of a PostgreSQL database whose user may create databases;
            empty for SQLite files.
    """

    __test__ = False  # a helper, not a test class

    def __init__(self, *, folder: Path, server_url: str = "") -> None:
        self.folder = folder
        self.server_url = server_url
        self._numbers = itertools.count(1)
        self._admin: sa.Engine | None = None
        # Per template URL: an unchanged copy and its fingerprint, ready for the next test.
        self._spares: dict[str, tuple[str, _Fingerprint]] = {}
        # Per checked-out copy URL: its template and its fingerprint when handed out.
        self._checked_out: dict[str, tuple[str, _Fingerprint]] = {}
        self.copies_created = 0
        self.copies_reused = 0
        if server_url:
            if not server_url.startswith("postgresql"):
                scheme = server_url.split(":")[0]
                msg = f"{TEST_DATABASE_URL_VARIABLE} must be a postgresql+psycopg:// URL, not {scheme!r}."
                raise ValueError(msg)
            # CREATE and DROP DATABASE cannot run inside a transaction.
            self._admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
            self._drop_leftovers()

    @property
    def is_postgresql(self) -> bool:
        """Whether the databases live on a PostgreSQL server."""
        return self._admin is not None

    def create(self, *, template: str | None = None) -> str:
        """Create an empty database, or a copy of the template URL, and return its URL."""
        name = f"{NAME_PREFIX}{os.getpid()}_{next(self._numbers)}"
        if self._admin is None:
            path = self.folder / f"{name}.db"
            if template is not None:
                shutil.copy(sa.make_url(template).database, path)
            return f"sqlite:///{path}"

        statement = f'CREATE DATABASE "{name}"'
        if template is not None:
            # The template must have no open connections, so callers dispose their engines first.
            statement += f' TEMPLATE "{sa.make_url(template).database}"'
        with self._admin.connect() as connection:
            connection.execute(sa.text(statement))
        return sa.make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def check_out(self, template: str) -> str:
        """Return the URL of a database equal to the template, for one test; pass it to check_in() after."""
        if self._admin is None:
            self.copies_created += 1
            return self.create(template=template)

        spare = self._spares.pop(template, None)
        if spare is not None:
            url, fingerprint = spare
            self.copies_reused += 1
        else:
            url = self.create(template=template)
            fingerprint = self._fingerprint(url)
            self.copies_created += 1
        self._checked_out[url] = (template, fingerprint)
        return url

    def check_in(self, url: str) -> None:
        """Take back a database from check_out(); keep it for the next test if nothing wrote to it.

        Every connection to it must be closed by now.
        """
        if self._admin is None:
            self.drop(url)
            return

        template, before = self._checked_out.pop(url)
        if template in self._spares or self._fingerprint(url) != before:
            self.drop(url)
            return
        self._spares[template] = (url, before)

    def drop(self, url: str) -> None:
        """Remove a database made by create()."""
        name = sa.make_url(url).database
        if self._admin is None:
            Path(name).unlink(missing_ok=True)
            return
        with self._admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        """Drop the spare copies and release the administrative connection pool."""
        if self._admin is None:
            return
        for url, _fingerprint in list(self._spares.values()):
            self.drop(url)
        self._spares.clear()
        self._admin.dispose()

    def _fingerprint(self, url: str) -> _Fingerprint:
        with self._admin.connect() as connection:
            next_id = connection.execute(sa.text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")).scalar_one()
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        with engine.connect() as connection:
            sequences = connection.execute(
                sa.text("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences ORDER BY 1")
            ).all()
        engine.dispose()
        return _Fingerprint(next_transaction_id=int(next_id), sequences=tuple(tuple(row) for row in sequences))

    def _drop_leftovers(self) -> None:
        # A run that was killed leaves its databases behind; drop those whose process is gone.
        with self._admin.connect() as connection:
            names = connection.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"), {"prefix": f"{NAME_PREFIX}%"}
            ).scalars()
            for name in list(names):
                match = _NAME_PATTERN.match(name)
                if match and not _process_exists(int(match.group(1))):
                    logger.info("dropping database %s left by an earlier test run", name)
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
