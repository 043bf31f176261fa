"""Column types and helpers shared by all tables."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


def utc_now() -> datetime.datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime.datetime]):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite keeps no time zone, so values are stored as naive UTC there and
    given their UTC zone again on load; PostgreSQL stores `timestamptz`.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: Dialect) -> datetime.datetime | None:
        """Convert an aware datetime to the form the database stores."""
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"Naive datetime {value!r} given; store aware datetimes only."
            raise ValueError(msg)
        value = value.astimezone(datetime.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime.datetime | None, dialect: Dialect) -> datetime.datetime | None:
        """Attach UTC to a stored value."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)
