"""Day-ahead prices: CSV import, local-day slicing, demo replay and cheapest windows."""

from __future__ import annotations

import collections
import csv
import dataclasses
import datetime
import io
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import SpotPrice

logger = logging.getLogger(__name__)

BERLIN = ZoneInfo("Europe/Berlin")
BIDDING_ZONE = "DE-LU"
# The day-ahead auction's results come out around 12:45-13:00 Berlin time; the demo publishes then.
DEMO_PUBLICATION_TIME = datetime.time(13, 0)
# Nomos promises the next day's prices by about 14:20 Berlin time.
LATEST_PUBLICATION_TIME = datetime.time(14, 20)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PRICE_FILES = (
    "day_ahead_de_lu_2024_hourly.csv",
    "day_ahead_de_lu_2025-01_to_2025-09_hourly.csv",
    "day_ahead_de_lu_2025-10_onward_15min.csv",
)
REPLAY_STEP = datetime.timedelta(days=364)
# Rows per INSERT statement; all batches of one import share one transaction.
INSERT_BATCH_ROWS = 2000


T = TypeVar("T")


class PriceImportError(ValueError):
    """Raised for a price file that cannot be imported; nothing was written."""


@dataclasses.dataclass(frozen=True)
class PricePoint:
    """One delivery interval's spot price (None where none was published)."""

    start_at: datetime.datetime
    resolution_minutes: int
    price_eur_per_mwh: Decimal | None
    is_demo: bool = False

    @property
    def end_at(self) -> datetime.datetime:
        """Exclusive end of the interval."""
        return self.start_at + datetime.timedelta(minutes=self.resolution_minutes)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC start and exclusive end of a Berlin calendar day (23, 24 or 25 hours long)."""
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=BERLIN)
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def local_day_hours(day: datetime.date) -> int:
    """Number of hours in a Berlin calendar day."""
    start, end = local_day_bounds(day)
    return int((end - start).total_seconds() // 3600)


def berlin_date(moment: datetime.datetime) -> datetime.date:
    """The Berlin calendar day of a moment."""
    return moment.astimezone(BERLIN).date()


# -- import -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ImportReport:
    """Outcome of an import: rows read, rows added and rows already stored unchanged."""

    rows: int
    added: int
    unchanged: int


def parse_price_csv(text: str, *, source: str = "file") -> list[PricePoint]:
    """Parse a CSV with `timestamp_utc` (ISO 8601) and `price_eur_per_mwh` columns.

    A row's resolution is 15 minutes when it starts off the full hour or a
    neighbouring row is 15 minutes away, otherwise 60 minutes.

    Raises:
        PriceImportError: A missing column, or a malformed row, named by its line number.
    """
    reader = csv.DictReader(io.StringIO(text))
    fields = reader.fieldnames or []
    for required in ("timestamp_utc", "price_eur_per_mwh"):
        if required not in fields:
            msg = f"{source}: column {required!r} is missing; found {', '.join(fields) or 'no header'}."
            raise PriceImportError(msg)

    parsed: list[tuple[datetime.datetime, Decimal]] = []
    seen: dict[datetime.datetime, int] = {}
    for line_number, row in enumerate(reader, start=2):
        try:
            if None in row or None in row.values():
                raise ValueError("wrong number of fields")
            start = datetime.datetime.fromisoformat(row["timestamp_utc"].strip().replace("Z", "+00:00"))
            if start.tzinfo is None:
                raise ValueError("timestamp without UTC offset")
            price = Decimal(row["price_eur_per_mwh"].strip())
            if not price.is_finite():
                raise InvalidOperation
            # Auction prices have two decimals; exports may carry float noise such as 0.5700000000000001.
            price = price.quantize(Decimal("0.01"))
        except (ValueError, InvalidOperation, AttributeError):
            values = ",".join(str(value) for value in row.values() if not isinstance(value, list))
            msg = (
                f"{source}, line {line_number}: invalid row {values!r}; expected an ISO 8601 UTC "
                "timestamp and a price in EUR/MWh with a decimal point. Nothing was imported."
            )
            raise PriceImportError(msg) from None
        start = start.astimezone(datetime.UTC)
        if start in seen:
            msg = f"{source}, line {line_number}: {start.isoformat()} repeats line {seen[start]}. Nothing was imported."
            raise PriceImportError(msg)
        seen[start] = line_number
        parsed.append((start, price))

    return price_points(parsed)


def price_points(rows: Sequence[tuple[datetime.datetime, Decimal]]) -> list[PricePoint]:
    """Turn (UTC start, price) rows in time order into price points, with each row's resolution inferred."""
    starts = [start for start, _price in rows]
    return [
        PricePoint(start_at=start, resolution_minutes=_resolution(starts, index), price_eur_per_mwh=price)
        for index, (start, price) in enumerate(rows)
    ]


def _resolution(starts: Sequence[datetime.datetime], index: int) -> int:
    """15 minutes if the row is off the full hour or a neighbour is 15 minutes away, else 60."""
    here = starts[index]
    if here.minute:
        return 15
    quarter = datetime.timedelta(minutes=15)
    after = starts[index + 1] - here if index + 1 < len(starts) else None
    before = here - starts[index - 1] if index > 0 else None
    return 15 if quarter in (after, before) else 60


def import_prices(
    session: Session,
    *,
    points: Sequence[PricePoint],
    is_demo: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store prices; rows already stored with the same start are kept, so a re-import changes nothing.

    Args:
        session: Open database session; committed once at the end.
        points: The prices to store.
        is_demo: Whether the prices are replayed demo prices.
        progress: Called with the number of rows handled after each batch, e.g. to advance a progress bar.

    Raises:
        PriceImportError: A stored price for the same interval differs; nothing was written.
    """
    if not points:
        return ImportReport(rows=0, added=0, unchanged=0)
    starts = [point.start_at for point in points]
    existing = {
        row.start_at: row
        for row in session.exec(
            select(SpotPrice)
            .where(SpotPrice.bidding_zone == BIDDING_ZONE)
            .where(SpotPrice.is_demo == is_demo)
            .where(col(SpotPrice.start_at) >= min(starts))
            .where(col(SpotPrice.start_at) <= max(starts))
        ).all()
    }
    new_rows = []
    for point in points:
        stored = existing.get(point.start_at)
        if stored is None:
            new_rows.append(
                {
                    "bidding_zone": BIDDING_ZONE,
                    "start_at": point.start_at,
                    "resolution_minutes": point.resolution_minutes,
                    "price_eur_per_mwh": point.price_eur_per_mwh,
                    "is_demo": is_demo,
                    "created_at": datetime.datetime.now(datetime.UTC),
                }
            )
        elif stored.price_eur_per_mwh != point.price_eur_per_mwh:
            msg = (
                f"The stored price for {point.start_at.isoformat()} is {stored.price_eur_per_mwh} EUR/MWh, "
                f"the file says {point.price_eur_per_mwh}. Nothing was imported."
            )
            raise PriceImportError(msg)
    if progress is not None:
        progress(len(points) - len(new_rows))
    for first in range(0, len(new_rows), INSERT_BATCH_ROWS):
        batch = new_rows[first : first + INSERT_BATCH_ROWS]
        session.execute(sa.insert(SpotPrice), batch)
        if progress is not None:
            progress(len(batch))
    session.commit()
    return ImportReport(rows=len(points), added=len(new_rows), unchanged=len(points) - len(new_rows))


def import_price_file(session: Session, *, path: Path) -> ImportReport:
    """Parse and import one CSV file as a single transaction."""
    points = parse_price_csv(path.read_text(encoding="utf-8"), source=path.name)
    report = import_prices(session, points=points)
    logger.info("Imported %s: %d rows, %d new", path.name, report.rows, report.added)
    return report


# -- reading a day ------------------------------------------------------------


class RangeCache:
    """Values built from the spot prices (of BIDDING_ZONE) in a time range, kept per worker process.

    Many customers read the same prices: a year of quarter hours for a consumption
    chart, today's prices for the dashboard. Prices are only ever inserted, so the
    count and highest id of the rows in a range change with every write to it. Each
    use checks both with one small query and rebuilds on a change, so prices stored
    by another worker, a CLI import or a demo replay show at once. The least
    recently used ranges beyond `entries` are dropped. Callers must not change a
    returned value.
    """

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._values: collections.OrderedDict[tuple, tuple[tuple[int, int | None], Any]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, session: Session, *, start: datetime.datetime, end: datetime.datetime, build: Callable[[], T]) -> T:
        """Return the value for prices from `start` (inclusive) to `end` (exclusive), calling `build` on a miss."""
        count, last_id = session.exec(
            select(sa.func.count(), sa.func.max(SpotPrice.id))
            # The zone lets PostgreSQL read the range from the unique index instead of the whole table.
            .where(SpotPrice.bidding_zone == BIDDING_ZONE)
            .where(col(SpotPrice.start_at) >= start)
            .where(col(SpotPrice.start_at) < end)
        ).one()
        version = (count, last_id)
        key = (str(session.get_bind().url), start, end)
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and hit[0] == version:
                self._values.move_to_end(key)
                return hit[1]
        value = build()
        with self._lock:
            self._values[key] = (version, value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
        return value


# The dashboard reads today's and tomorrow's prices for every customer.
_day_cache = RangeCache(entries=8)


def prices_for_day(session: Session, *, day: datetime.date) -> list[PricePoint]:
    """The spot prices of a Berlin day, real ones before demo replays, in time order."""
    start, end = local_day_bounds(day)

    def build() -> tuple[PricePoint, ...]:
        rows = session.exec(
            select(SpotPrice.start_at, SpotPrice.resolution_minutes, SpotPrice.price_eur_per_mwh, SpotPrice.is_demo)
            .where(SpotPrice.bidding_zone == BIDDING_ZONE)
            .where(col(SpotPrice.start_at) >= start)
            .where(col(SpotPrice.start_at) < end)
            .order_by(col(SpotPrice.start_at))
        ).all()
        real = [row for row in rows if not row.is_demo]
        return tuple(
            PricePoint(
                start_at=row.start_at,
                resolution_minutes=row.resolution_minutes,
                price_eur_per_mwh=row.price_eur_per_mwh,
                is_demo=row.is_demo,
            )
            for row in real or rows
        )

    return list(_day_cache.get(session, start=start, end=end, build=build))


def with_gaps(points: Sequence[PricePoint], *, day: datetime.date) -> list[PricePoint]:
    """Fill a day's missing intervals with price None, at the day's finest resolution.

    Returns:
        Every interval of the day, 92/96/100 quarter hours or 23/24/25 hours.
    """
    resolution = min((point.resolution_minutes for point in points), default=15)
    by_start = {point.start_at: point for point in points}
    start, end = local_day_bounds(day)
    step = datetime.timedelta(minutes=resolution)
    filled = []
    moment = start
    while moment < end:
        filled.append(
            by_start.get(moment) or PricePoint(start_at=moment, resolution_minutes=resolution, price_eur_per_mwh=None)
        )
        moment += step
    return filled


def is_published(day: datetime.date, *, now: datetime.datetime, publication_time: datetime.time) -> bool:
    """Whether a day's prices are out: days up to today are, tomorrow's after the publication time."""
    local_now = now.astimezone(BERLIN)
    today = local_now.date()
    if day <= today:
        return True
    return day == today + datetime.timedelta(days=1) and local_now.time() >= publication_time


# -- demo replay --------------------------------------------------------------


def replay_source_day(target: datetime.date, *, available: dict[datetime.date, int]) -> datetime.date | None:
    """Pick the real day whose prices the demo shows on a target day.

    Steps back 364 days at a time, which keeps the weekday and the season,
    to the newest day with data and the same number of intervals per hour
    count as the target (23, 24 or 25 hours), preferring 15-minute days.

    Args:
        target: The Berlin day to fill.
        available: Days with data, mapped to their number of intervals.
    """
    hours = local_day_hours(target)
    fallback = None
    candidate = target - REPLAY_STEP
    for _ in range(10):
        count = available.get(candidate)
        if count is not None and local_day_hours(candidate) == hours:
            if count == hours * 4:
                return candidate
            fallback = fallback or candidate
        candidate -= REPLAY_STEP
    if fallback:
        return fallback
    # No day of the same weekday and length: take any day of the same length, the newest first.
    same_length = [day for day in available if local_day_hours(day) == hours and day < target]
    return max(same_length, default=None)


def demo_price_days(session: Session) -> dict[datetime.date, int]:
    """Days with real (not replayed) prices and their interval counts."""
    starts = session.exec(
        select(SpotPrice.start_at).where(SpotPrice.bidding_zone == BIDDING_ZONE).where(SpotPrice.is_demo == False)  # noqa: E712
    ).all()
    counts: dict[datetime.date, int] = {}
    for start in starts:
        day = berlin_date(start)
        counts[day] = counts.get(day, 0) + 1
    return counts


# Every consumption view looks up which of its days have prices, 35,040 rows for a year view.
_days_cache = RangeCache(entries=16)


def days_with_prices(session: Session, *, first: datetime.date, last: datetime.date) -> frozenset[datetime.date]:
    """Berlin days from first to last (inclusive) that have at least one stored price."""
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)

    def build() -> frozenset[datetime.date]:
        starts = session.exec(
            select(SpotPrice.start_at)
            .where(SpotPrice.bidding_zone == BIDDING_ZONE)
            .where(col(SpotPrice.start_at) >= start)
            .where(col(SpotPrice.start_at) < end)
        ).all()
        return frozenset(berlin_date(moment) for moment in starts)

    return _days_cache.get(session, start=start, end=end, build=build)


def ensure_demo_prices(
    session: Session, *, days: Iterable[datetime.date], now: datetime.datetime
) -> list[datetime.date]:
    """Replay real historic prices onto days that have none, once they count as published.

    Returns:
        The days that received replayed prices.
    """
    wanted = sorted(day for day in days if is_published(day, now=now, publication_time=DEMO_PUBLICATION_TIME))
    if not wanted:
        return []
    present = days_with_prices(session, first=wanted[0], last=wanted[-1])
    missing = [day for day in wanted if day not in present]
    if not missing:
        return []
    available = demo_price_days(session)
    filled = []
    for day in missing:
        source = replay_source_day(day, available=available)
        if source is None:
            logger.warning("No historic prices to replay onto %s", day)
            continue
        target_start, _ = local_day_bounds(day)
        source_start, _ = local_day_bounds(source)
        shifted = [
            PricePoint(
                start_at=target_start + (point.start_at - source_start),
                resolution_minutes=point.resolution_minutes,
                price_eur_per_mwh=point.price_eur_per_mwh,
            )
            for point in prices_for_day(session, day=source)
        ]
        try:
            import_prices(session, points=shifted, is_demo=True)
        except sa.exc.IntegrityError:
            # Another request replayed the same day a moment earlier, as happens when many
            # customers load a page just after midnight; its rows equal these.
            session.rollback()
            logger.info("Demo prices of %s were replayed by a concurrent request", day)
            continue
        logger.info("Demo prices of %s replayed onto %s", source, day)
        filled.append(day)
    return filled


# -- windows ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PriceWindow:
    """A contiguous stretch of intervals and its time-weighted average price."""

    start_at: datetime.datetime
    end_at: datetime.datetime
    average: Decimal


def best_window(
    points: Sequence[tuple[datetime.datetime, datetime.datetime, Decimal | None]],
    *,
    hours: int,
    cheapest: bool = True,
    not_before: datetime.datetime | None = None,
) -> PriceWindow | None:
    """Find the cheapest (or dearest) contiguous window of a length.

    Args:
        points: (start, end, price) per interval, in time order; price None is a gap.
        hours: Window length in hours.
        cheapest: False looks for the most expensive window.
        not_before: Ignore intervals that start before this moment.

    Returns:
        The window, or None when no gap-free stretch is long enough.
    """
    length = datetime.timedelta(hours=hours)
    usable = [point for point in points if not_before is None or point[0] >= not_before]
    best: PriceWindow | None = None
    # A sliding window: `end` only moves forward, so each interval is added and removed once.
    # Decimal sums stay exact, so the result equals summing every window from scratch.
    end = 0
    weighted = Decimal(0)
    covered = datetime.timedelta()
    for first in range(len(usable)):
        if end <= first:
            end, weighted, covered = first, Decimal(0), datetime.timedelta()
        while covered < length and end < len(usable):
            interval_start, interval_end, price = usable[end]
            if price is None or (end > first and interval_start != usable[end - 1][1]):
                break
            weighted += price * Decimal((interval_end - interval_start).total_seconds())
            covered += interval_end - interval_start
            end += 1
        if covered >= length:
            average = weighted / Decimal(covered.total_seconds())
            if best is None or (average < best.average if cheapest else average > best.average):
                best = PriceWindow(start_at=usable[first][0], end_at=usable[end - 1][1], average=average)
        if end > first:
            interval_start, interval_end, price = usable[first]
            weighted -= price * Decimal((interval_end - interval_start).total_seconds())
            covered -= interval_end - interval_start
    return best


def demo_price_files() -> list[Path]:
    """The shipped real DE-LU price files used as demo data."""
    return [DATA_DIR / name for name in DEMO_PRICE_FILES]
