"""Import smart-meter intervals and meter readings from CSV files, all or nothing.

Rows are matched to subscriptions by number, and re-importing a file changes
nothing. Meter operators send corrections, so a row whose value differs from
the stored one replaces it. A final interval is never replaced by a
preliminary one.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import logging
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import ConsumptionInterval, MeterReading, Subscription
from nomos_portal.services import consumption_days
from nomos_portal.services.csv_files import (
    BERLIN,
    CsvTable,
    TimestampParser,
    check_columns,
    parse_date,
    parse_decimal,
    read_csv,
    row_error,
)

logger = logging.getLogger(__name__)

INTERVAL_COLUMNS = ("subscription_number", "start_at", "energy_kwh")
INTERVAL_OPTIONAL_COLUMNS = ("state", "resolution_minutes")
INTERVAL_STATES = ("final", "preliminary", "substitute")
RESOLUTIONS = (15, 60)
READING_COLUMNS = ("subscription_number", "read_at", "value_kwh")
READING_OPTIONAL_COLUMNS = ("source", "meter_number")
# Reading sources as the Nomos API names them.
READING_SOURCES = ("customer_report", "grid_reading", "grid_estimation")
# Column precision: Numeric(12, 4) for intervals and Numeric(12, 1) for readings.
KWH_PLACES = Decimal("0.0001")
READING_PLACES = Decimal("0.1")
MAX_INTERVAL_KWH = Decimal("99999999.9999")
MAX_READING_KWH = Decimal("9999999.9")
BATCH_ROWS = 2000


@dataclasses.dataclass(frozen=True)
class MeterImportReport:
    """Counts of an import: rows read, added, updated and already stored unchanged."""

    rows: int
    added: int
    updated: int
    unchanged: int


def _read_table(
    text: str, *, source: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[CsvTable, bool]:
    table = read_csv(text, source=source)
    check_columns(table, required=required, optional=optional, source=source)
    # One decision per file, as for prices: a comma in any value means decimal commas.
    value_column = required[2]
    decimal_comma = any("," in row[value_column] for _line, row in table.rows)
    return table, decimal_comma


def _subscriptions_by_number(session: Session, numbers: set[str]) -> dict[str, Subscription]:
    rows = session.exec(select(Subscription).where(col(Subscription.number).in_(numbers))).all() if numbers else []
    return {row.number: row for row in rows}


def _subscription(subscriptions: dict[str, Subscription], number: str) -> Subscription:
    subscription = subscriptions.get(number)
    if subscription is None:
        msg = f"subscription {number!r} does not exist; import the customers first"
        raise ValueError(msg)
    return subscription


def _energy(text: str, *, decimal_comma: bool, places: Decimal, maximum: Decimal, column: str) -> Decimal:
    value = parse_decimal(text, decimal_comma=decimal_comma)
    if value < 0 or value > maximum:
        msg = f"{column} {text!r} must be between 0 and {maximum} kWh"
        raise ValueError(msg)
    return value.quantize(places)


# -- intervals --------------------------------------------------------------------


def import_intervals(
    session: Session,
    *,
    text: str,
    source: str,
    naive_time_zone: datetime.tzinfo = BERLIN,
    default_resolution: int = 15,
    progress: Callable[[int], None] | None = None,
) -> MeterImportReport:
    """Check and store smart-meter intervals in one transaction.

    Args:
        session: Open database session.
        text: CSV with subscription_number, start_at, energy_kwh and optional state
            (final, preliminary or substitute; default preliminary) and resolution_minutes (15 or 60).
        source: File name for error messages.
        naive_time_zone: Zone of timestamps without offset; Berlin by default.
        default_resolution: Interval length in minutes for rows without resolution_minutes.
        progress: Called with the number of rows handled after each batch.

    Raises:
        CsvImportError: A bad column or row, named by its line number; nothing was written.
    """
    table, decimal_comma = _read_table(
        text, source=source, required=INTERVAL_COLUMNS, optional=INTERVAL_OPTIONAL_COLUMNS
    )
    subscriptions = _subscriptions_by_number(session, {row["subscription_number"] for _line, row in table.rows})
    parser = TimestampParser(naive_zone=naive_time_zone)

    parsed: dict[tuple[int, datetime.datetime], tuple[int, Decimal, str, int]] = {}
    for line, row in table.rows:
        try:
            subscription = _subscription(subscriptions, row["subscription_number"])
            if subscription.meter_type != "smart":
                msg = f"subscription {subscription.number!r} has an analog meter; intervals need a smart meter"
                raise ValueError(msg)
            start = parser.parse(row["start_at"], key=subscription.number)
            energy = _energy(
                row["energy_kwh"],
                decimal_comma=decimal_comma,
                places=KWH_PLACES,
                maximum=MAX_INTERVAL_KWH,
                column="energy_kwh",
            )
            state = (row.get("state") or "preliminary").lower()
            if state not in INTERVAL_STATES:
                raise ValueError(f"state {state!r} is not one of {', '.join(INTERVAL_STATES)}")
            resolution_text = row.get("resolution_minutes") or str(default_resolution)
            if resolution_text not in {str(minutes) for minutes in RESOLUTIONS}:
                raise ValueError(f"resolution_minutes {resolution_text!r} is not 15 or 60")
            resolution = int(resolution_text)
            if start.minute % resolution or start.second or start.microsecond:
                msg = f"start_at {row['start_at']!r} does not start a {resolution}-minute interval"
                raise ValueError(msg)
        except ValueError as error:
            raise row_error(source, line, str(error)) from None
        assert subscription.id is not None
        key = (subscription.id, start)
        if key in parsed:
            raise row_error(
                source, line, f"{start.isoformat()} repeats line {parsed[key][0]} for {subscription.number}"
            )
        parsed[key] = (line, energy, state, resolution)

    stored: dict[tuple[int, datetime.datetime], ConsumptionInterval] = {}
    for subscription_id in {key[0] for key in parsed}:
        starts = [start for sid, start in parsed if sid == subscription_id]
        rows = session.exec(
            select(ConsumptionInterval)
            .where(ConsumptionInterval.subscription_id == subscription_id)
            .where(col(ConsumptionInterval.start_at) >= min(starts))
            .where(col(ConsumptionInterval.start_at) <= max(starts))
        ).all()
        stored.update({(row.subscription_id, row.start_at): row for row in rows})

    new_rows = []
    updated = 0
    for key, (line, energy, state, resolution) in parsed.items():
        existing = stored.get(key)
        if existing is None:
            new_rows.append(
                {
                    "subscription_id": key[0],
                    "start_at": key[1],
                    "resolution_minutes": resolution,
                    "energy_kwh": energy,
                    "state": state,
                }
            )
            continue
        if (existing.energy_kwh, existing.state, existing.resolution_minutes) == (energy, state, resolution):
            continue
        if existing.state == "final" and state == "preliminary":
            moment = key[1].isoformat()
            raise row_error(
                source, line, f"the stored value for {moment} is final; a preliminary value cannot replace it"
            )
        existing.energy_kwh, existing.state, existing.resolution_minutes = energy, state, resolution
        session.add(existing)
        updated += 1

    try:
        if progress is not None:
            progress(len(parsed) - len(new_rows))
        for first in range(0, len(new_rows), BATCH_ROWS):
            batch = new_rows[first : first + BATCH_ROWS]
            session.execute(sa.insert(ConsumptionInterval), batch)
            if progress is not None:
                progress(len(batch))
        session.flush()
        for subscription_id in {key[0] for key in parsed}:
            days = [start.astimezone(BERLIN).date() for sid, start in parsed if sid == subscription_id]
            consumption_days.refresh_days(session, subscription_id=subscription_id, first=min(days), last=max(days))
        session.commit()
    except Exception:
        session.rollback()
        raise
    report = MeterImportReport(
        rows=len(parsed), added=len(new_rows), updated=updated, unchanged=len(parsed) - len(new_rows) - updated
    )
    logger.info("Imported intervals from %s: %s", source, report)
    return report


# -- readings ---------------------------------------------------------------------


def _read_moment(text: str, parser: TimestampParser, key: str) -> datetime.datetime:
    """Parse a reading time: a date means the start of that Berlin day, a timestamp is taken as given."""
    if ":" not in text:
        day = parse_date(text)
        return datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)
    return parser.parse(text, key=key)


def import_readings(
    session: Session,
    *,
    text: str,
    source: str,
    naive_time_zone: datetime.tzinfo = BERLIN,
    progress: Callable[[int], None] | None = None,
) -> MeterImportReport:
    """Check and store meter readings in one transaction.

    The readings of each meter, stored and imported together, must not fall
    as time goes on.

    Args:
        session: Open database session.
        text: CSV with subscription_number, read_at (a date or a timestamp), value_kwh and
            optional source (customer_report, grid_reading or grid_estimation; default
            grid_reading) and meter_number (default: the subscription's meter).
        source: File name for error messages.
        naive_time_zone: Zone of timestamps without offset; Berlin by default.
        progress: Called with the number of rows handled after each row.

    Raises:
        CsvImportError: A bad column or row, named by its line number; nothing was written.
    """
    table, decimal_comma = _read_table(text, source=source, required=READING_COLUMNS, optional=READING_OPTIONAL_COLUMNS)
    subscriptions = _subscriptions_by_number(session, {row["subscription_number"] for _line, row in table.rows})
    parser = TimestampParser(naive_zone=naive_time_zone)

    parsed: dict[tuple[int, str, datetime.datetime], tuple[int, Decimal, str]] = {}
    for line, row in table.rows:
        try:
            subscription = _subscription(subscriptions, row["subscription_number"])
            meter_number = row.get("meter_number") or subscription.meter_number
            if not meter_number or len(meter_number) > 40:
                msg = f"subscription {subscription.number!r} has no meter number; add a meter_number column"
                raise ValueError(msg)
            read_at = _read_moment(row["read_at"], parser, subscription.number)
            value = _energy(
                row["value_kwh"],
                decimal_comma=decimal_comma,
                places=READING_PLACES,
                maximum=MAX_READING_KWH,
                column="value_kwh",
            )
            reading_source = (row.get("source") or "grid_reading").lower()
            if reading_source not in READING_SOURCES:
                raise ValueError(f"source {reading_source!r} is not one of {', '.join(READING_SOURCES)}")
        except ValueError as error:
            raise row_error(source, line, str(error)) from None
        assert subscription.id is not None
        key = (subscription.id, meter_number, read_at)
        if key in parsed:
            raise row_error(
                source,
                line,
                f"a reading of meter {meter_number} at {read_at.isoformat()} repeats line {parsed[key][0]}",
            )
        parsed[key] = (line, value, reading_source)

    stored: dict[tuple[int, str, datetime.datetime], MeterReading] = {}
    for subscription_id in {key[0] for key in parsed}:
        rows = session.exec(select(MeterReading).where(MeterReading.subscription_id == subscription_id)).all()
        stored.update({(row.subscription_id, row.meter_number, row.read_at): row for row in rows})

    _check_rising(parsed, stored, source=source)

    added = updated = 0
    try:
        for key, (_line, value, reading_source) in parsed.items():
            existing = stored.get(key)
            if existing is None:
                session.add(
                    MeterReading(
                        subscription_id=key[0],
                        meter_number=key[1],
                        read_at=key[2],
                        value_kwh=value,
                        source=reading_source,
                    )
                )
                added += 1
            elif (existing.value_kwh, existing.source) != (value, reading_source):
                existing.value_kwh, existing.source = value, reading_source
                session.add(existing)
                updated += 1
            if progress is not None:
                progress(1)
        session.commit()
    except Exception:
        session.rollback()
        raise
    report = MeterImportReport(rows=len(parsed), added=added, updated=updated, unchanged=len(parsed) - added - updated)
    logger.info("Imported readings from %s: %s", source, report)
    return report


def _check_rising(
    parsed: dict[tuple[int, str, datetime.datetime], tuple[int, Decimal, str]],
    stored: dict[tuple[int, str, datetime.datetime], MeterReading],
    *,
    source: str,
) -> None:
    """Reject an imported reading that is lower than an earlier one, or higher than a later one, of its meter."""
    values: dict[tuple[int, str], list[tuple[datetime.datetime, Decimal, int | None]]] = {}
    for (subscription_id, meter, moment), row in stored.items():
        if (subscription_id, meter, moment) not in parsed:
            values.setdefault((subscription_id, meter), []).append((moment, row.value_kwh, None))
    for (subscription_id, meter, moment), (line, value, _source) in parsed.items():
        values.setdefault((subscription_id, meter), []).append((moment, value, line))
    for (_subscription_id, meter), readings in values.items():
        readings.sort(key=lambda reading: reading[0])
        for (earlier_at, earlier, earlier_line), (later_at, later, later_line) in itertools.pairwise(readings):
            if later < earlier:
                line = later_line if later_line is not None else earlier_line
                assert line is not None
                where = f"line {earlier_line}" if earlier_line is not None else "the stored reading"
                message = (
                    f"meter {meter} reads {later} kWh at {later_at.isoformat()}, less than {earlier} kWh "
                    f"at {earlier_at.isoformat()} ({where}); readings must not fall"
                )
                raise row_error(source, line, message)
