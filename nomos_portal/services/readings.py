"""Meter readings submitted by customers without a smart meter, checked as the Nomos API does."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, col, select

from nomos_portal.models import MeterReading, Subscription
from nomos_portal.services.spot_prices import BERLIN, berlin_date
from nomos_portal.services.text_input import has_forbidden_characters

logger = logging.getLogger(__name__)

MAX_READING_KWH = Decimal("9999999.9")
MAX_NOTE_LENGTH = 500
# The note is a text area, so line breaks and tabs are the control characters it may contain.
NOTE_LINE_BREAKS = frozenset("\r\n\t")
# A reading is implausible above this multiple of the consumption expected since the last one.
IMPLAUSIBLE_FACTOR = 5
READING_TYPES = ("customer_report", "grid_reading", "grid_estimation")


class ReadingError(ValueError):
    """A rejected reading; `code` names the case as the Nomos API does and keys the translated message."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class ConfirmationNeeded(ReadingError):
    """A soft rejection: the reading is stored once the customer confirms it."""


def parse_value(text: str, *, language: str) -> Decimal:
    """Parse a reading in kWh as typed: German allows a decimal comma and dots for thousands.

    Raises:
        ReadingError: "invalid_meter_reading" for anything but a non-negative number with at most one decimal.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if language == "de":
        cleaned = cleaned.replace(".", "").replace(",", ".") if "," in cleaned else cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"\d{1,7}(\.\d)?", cleaned):
        raise ReadingError("invalid_meter_reading")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ReadingError("invalid_meter_reading") from None
    if value > MAX_READING_KWH:
        raise ReadingError("invalid_meter_reading")
    return value


def day_start(day: datetime.date) -> datetime.datetime:
    """Start of a Berlin day in UTC: the timestamp of a reading taken that day."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)


def list_readings(session: Session, *, subscription_id: int) -> list[MeterReading]:
    """A subscription's readings, oldest first."""
    return list(
        session.exec(
            select(MeterReading)
            .where(MeterReading.subscription_id == subscription_id)
            .order_by(col(MeterReading.read_at), col(MeterReading.id))
        ).all()
    )


@dataclasses.dataclass(frozen=True)
class ReadingRow:
    """A reading with the consumption since the one before it."""

    read_at: datetime.datetime
    value_kwh: Decimal
    source: str
    note: str
    consumption_kwh: Decimal | None
    days: int | None


def reading_rows(readings: list[MeterReading]) -> list[ReadingRow]:
    """Readings with the consumption since the previous reading of the same meter, newest first."""
    rows = []
    previous_by_meter: dict[str, MeterReading] = {}
    for reading in readings:
        consumption = days = None
        previous = previous_by_meter.get(reading.meter_number)
        if previous is not None:
            consumption = reading.value_kwh - previous.value_kwh
            days = (berlin_date(reading.read_at) - berlin_date(previous.read_at)).days
        rows.append(
            ReadingRow(
                read_at=reading.read_at,
                value_kwh=reading.value_kwh,
                source=reading.source,
                note=reading.note,
                consumption_kwh=consumption,
                days=days,
            )
        )
        previous_by_meter[reading.meter_number] = reading
    return list(reversed(rows))


def submit_reading(
    session: Session,
    *,
    subscription: Subscription,
    read_on: datetime.date,
    value_kwh: Decimal,
    note: str,
    submission_id: str,
    now: datetime.datetime,
    confirmed: bool = False,
) -> MeterReading:
    """Validate and store a customer's reading.

    A submission id seen before returns the reading stored then, so a retried
    or doubled submit stores one reading.

    Raises:
        ReadingError: With the Nomos API's codes `unsupported_meter_reading` (smart meter),
            `subscription_not_started`, `ended_subscription`, `out_of_period_meter_reading`
            (future date or before the contract start), `lower_meter_reading`, `invalid_meter_reading`,
            and this portal's `note_too_long` and `note_control_characters`.
        ConfirmationNeeded: `implausible_meter_reading` (far above the expected consumption)
            or `duplicate_meter_reading` (a reading for that day exists and would be replaced).
    """
    assert subscription.id is not None
    if submission_id:
        earlier = session.exec(select(MeterReading).where(MeterReading.submission_id == submission_id)).first()
        if earlier is not None:
            return earlier
    if subscription.meter_type == "smart":
        raise ReadingError("unsupported_meter_reading")
    today = berlin_date(now)
    if subscription.status == "pending" or subscription.start_at is None or berlin_date(subscription.start_at) > today:
        raise ReadingError("subscription_not_started")
    if subscription.status == "ended" or (
        subscription.end_at is not None and berlin_date(subscription.end_at) <= read_on
    ):
        raise ReadingError("ended_subscription")
    if read_on > today or read_on < berlin_date(subscription.start_at):
        raise ReadingError("out_of_period_meter_reading", start=berlin_date(subscription.start_at), today=today)
    if len(note) > MAX_NOTE_LENGTH:
        raise ReadingError("note_too_long", maximum=MAX_NOTE_LENGTH)
    if has_forbidden_characters(note, allowed=NOTE_LINE_BREAKS):
        raise ReadingError("note_control_characters")

    moment = day_start(read_on)
    same_meter = [
        r
        for r in list_readings(session, subscription_id=subscription.id)
        if r.meter_number == subscription.meter_number
    ]
    before = [r for r in same_meter if r.read_at < moment]
    after = [r for r in same_meter if r.read_at > moment]
    same_day = [r for r in same_meter if r.read_at == moment]

    if before and value_kwh < before[-1].value_kwh:
        raise ReadingError("lower_meter_reading", previous=before[-1].value_kwh, day=berlin_date(before[-1].read_at))
    if after and value_kwh > after[0].value_kwh:
        raise ReadingError("higher_than_later_reading", later=after[0].value_kwh, day=berlin_date(after[0].read_at))
    if not confirmed:
        if same_day:
            raise ConfirmationNeeded("duplicate_meter_reading", previous=same_day[-1].value_kwh)
        if before:
            days = max((read_on - berlin_date(before[-1].read_at)).days, 1)
            expected = Decimal(subscription.estimated_usage) * days / Decimal(365)
            if value_kwh - before[-1].value_kwh > expected * IMPLAUSIBLE_FACTOR and expected > 0:
                raise ConfirmationNeeded("implausible_meter_reading", expected=expected.quantize(Decimal(1)))

    for replaced in same_day:
        session.delete(replaced)
    reading = MeterReading(
        subscription_id=subscription.id,
        meter_number=subscription.meter_number,
        read_at=moment,
        value_kwh=value_kwh,
        source="customer_report",
        note=note.strip(),
        submission_id=submission_id or None,
    )
    session.add(reading)
    session.commit()
    logger.info("Reading stored for subscription %s on %s", subscription.id, read_on)
    return reading
