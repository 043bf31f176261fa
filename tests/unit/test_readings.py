import datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from nomos_portal.models import MeterReading, Subscription
from nomos_portal.services import readings
from nomos_portal.services.spot_prices import BERLIN

NOW = datetime.datetime(2026, 12, 4, 11, 0, tzinfo=datetime.UTC)


def flat(session: Session) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == "ACME-100002")).one()


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(MeterReading)).one()


def submit(session, value, day=datetime.date(2026, 12, 3), confirmed=False, submission_id="", subscription=None):
    return readings.submit_reading(
        session,
        subscription=subscription or flat(session),
        read_on=day,
        value_kwh=Decimal(value),
        note="",
        submission_id=submission_id,
        now=NOW,
        confirmed=confirmed,
    )


def last_value(session: Session) -> Decimal:
    return readings.list_readings(session, subscription_id=flat(session).id)[-1].value_kwh


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("12345,6", "de", Decimal("12345.6")),
        ("12.345,6", "de", Decimal("12345.6")),
        ("12345", "de", Decimal("12345")),
        ("12345.6", "en", Decimal("12345.6")),
        ("12,345.6", "en", Decimal("12345.6")),
        (" 12 345 ", "de", Decimal("12345")),
    ],
)
def test_parse_value_accepts_locale_formats(text, language, expected):
    assert readings.parse_value(text, language=language) == expected


@pytest.mark.parametrize("text", ["", "abc", "-5", "1,23", "12345,67", "1e5", "99999999", "<script>"])
def test_parse_value_rejects_bad_input(text):
    with pytest.raises(readings.ReadingError) as caught:
        readings.parse_value(text, language="de")
    assert caught.value.code == "invalid_meter_reading"


def test_higher_reading_stored_at_berlin_midnight(session: Session):
    reading = submit(session, last_value(session) + 10)
    assert reading.read_at == datetime.datetime(2026, 12, 3, tzinfo=BERLIN)
    assert reading.source == "customer_report"


def test_lower_reading_rejected_and_nothing_stored(session: Session):
    before = count(session)
    with pytest.raises(readings.ReadingError) as caught:
        submit(session, last_value(session) - 1)
    assert caught.value.code == "lower_meter_reading"
    assert count(session) == before


def test_equal_reading_accepted(session: Session):
    submit(session, last_value(session))


def test_future_and_before_start_rejected(session: Session):
    for day in (datetime.date(2026, 12, 5), datetime.date(2025, 9, 30)):
        with pytest.raises(readings.ReadingError) as caught:
            submit(session, "99999", day=day)
        assert caught.value.code == "out_of_period_meter_reading"


def test_implausibly_high_needs_confirmation(session: Session):
    before = count(session)
    too_high = last_value(session) + 5000
    with pytest.raises(readings.ConfirmationNeeded) as caught:
        submit(session, too_high)
    assert caught.value.code == "implausible_meter_reading"
    assert count(session) == before
    submit(session, too_high, confirmed=True)
    assert count(session) == before + 1


def test_second_reading_same_day_replaces_after_confirmation(session: Session):
    first = last_value(session) + 5
    submit(session, first)
    before = count(session)
    with pytest.raises(readings.ConfirmationNeeded) as caught:
        submit(session, first + 1)
    assert caught.value.code == "duplicate_meter_reading"
    submit(session, first + 1, confirmed=True)
    assert count(session) == before
    assert last_value(session) == first + 1


def test_same_submission_id_stores_once(session: Session):
    before = count(session)
    first = submit(session, last_value(session) + 3, submission_id="abc")
    again = submit(session, last_value(session) + 3, submission_id="abc")
    assert again.id == first.id
    assert count(session) == before + 1


def test_swapped_meter_starts_from_new_reading(session: Session):
    subscription = flat(session)
    subscription.meter_number = "1NEW0000000001"
    session.add(subscription)
    session.add(
        MeterReading(
            subscription_id=subscription.id,
            meter_number="1NEW0000000001",
            read_at=datetime.datetime(2026, 11, 1, tzinfo=BERLIN),
            value_kwh=Decimal("5.0"),
            source="grid_reading",
        )
    )
    session.commit()
    # Far below the old meter's readings, but above the new meter's start reading.
    submit(session, "42.0", subscription=subscription)


def test_smart_meter_and_pending_contracts_rejected(session: Session):
    smart = session.exec(select(Subscription).where(Subscription.number == "LUM-2025-0042")).one()
    pending = session.exec(select(Subscription).where(Subscription.number == "LUM-2026-0107")).one()
    with pytest.raises(readings.ReadingError, match="unsupported_meter_reading"):
        submit(session, "1", subscription=smart)
    with pytest.raises(readings.ReadingError, match="subscription_not_started"):
        submit(session, "1", subscription=pending)


def test_reading_rows_show_consumption_between(session: Session):
    rows = readings.reading_rows(readings.list_readings(session, subscription_id=flat(session).id))
    assert rows[0].consumption_kwh is not None
    assert rows[0].days > 0
    assert rows[-1].consumption_kwh is None
