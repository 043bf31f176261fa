import datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from nomos_portal.models import MeterReading, Plan, Subscription, Termination
from nomos_portal.services import contracts, readings
from nomos_portal.services.spot_prices import BERLIN

D = datetime.date
NOW = datetime.datetime(2026, 12, 4, 11, 0, tzinfo=datetime.UTC)


DEFAULT_START = D(2026, 1, 15)


def terms(start=DEFAULT_START, months=12, notice=1, unit="months", month_end=True, confirmed=None):
    return contracts.Terms(
        start=start,
        minimum_term_months=months,
        notice_period=notice,
        notice_period_unit=unit,
        to_month_end=month_end,
        confirmed_on=confirmed,
    )


@pytest.mark.parametrize(
    ("contract", "today", "expected"),
    [
        # Within the minimum term: the term's end decides (15 Jan 2027), rounded to the month's end.
        (terms(), D(2026, 12, 4), D(2027, 2, 1)),
        (terms(month_end=False), D(2026, 12, 4), D(2027, 1, 15)),
        # After the minimum term: the notice period from today decides.
        (terms(start=D(2024, 1, 1)), D(2026, 12, 4), D(2027, 2, 1)),
        (terms(start=D(2024, 1, 1), month_end=False), D(2026, 12, 4), D(2027, 1, 4)),
        (terms(start=D(2024, 1, 1), notice=6, unit="weeks", month_end=False), D(2026, 12, 4), D(2027, 1, 15)),
        (terms(start=D(2024, 1, 1), notice=2, unit="weeks"), D(2026, 12, 4), D(2027, 1, 1)),
        # Month-end rule on the first of a month keeps that day.
        (terms(start=D(2024, 1, 1), notice=1), D(2026, 11, 1), D(2026, 12, 1)),
        # 31 January plus one month is the end of February.
        (terms(start=D(2024, 1, 1), month_end=False), D(2027, 1, 31), D(2027, 2, 28)),
        # No minimum term.
        (terms(start=D(2026, 11, 1), months=0, month_end=False), D(2026, 12, 4), D(2027, 1, 4)),
    ],
)
def test_earliest_end_table(contract, today, expected):
    assert contracts.earliest_end(contract, today=today) == expected


def test_withdrawal_window_edges():
    contract = terms(confirmed=D(2026, 11, 20))
    day_14 = D(2026, 12, 4)
    assert contracts.resolve_end(contract, reason="WITHDRAWAL", today=day_14, requested=None) == D(2026, 12, 5)
    with pytest.raises(contracts.ContractError) as caught:
        contracts.resolve_end(contract, reason="WITHDRAWAL", today=D(2026, 12, 5), requested=None)
    assert caught.value.code == "withdrawal_not_allowed"


def test_withdrawal_before_start_ends_at_start():
    contract = terms(start=D(2027, 1, 1), confirmed=D(2026, 11, 25))
    assert contracts.resolve_end(contract, reason="WITHDRAWAL", today=D(2026, 12, 4), requested=None) == D(2027, 1, 1)


def test_ordinary_later_date_rules():
    contract = terms(start=D(2024, 1, 1))
    assert contracts.resolve_end(contract, reason="ORDINARY", today=D(2026, 12, 4), requested=D(2027, 3, 1)) == D(
        2027, 3, 1
    )
    for bad in (D(2026, 12, 1), D(2027, 1, 1), D(2027, 3, 15), D(2020, 1, 1)):
        with pytest.raises(contracts.ContractError) as caught:
            contracts.resolve_end(contract, reason="ORDINARY", today=D(2026, 12, 4), requested=bad)
        assert caught.value.code == "invalid_termination_date"


def test_move_out_needs_date_not_in_past():
    contract = terms(start=D(2024, 1, 1))
    assert contracts.resolve_end(contract, reason="MOVE_OUT", today=D(2026, 12, 4), requested=D(2026, 12, 20)) == D(
        2026, 12, 21
    )
    for bad in (None, D(2026, 12, 3)):
        with pytest.raises(contracts.ContractError, match="invalid_termination_date"):
            contracts.resolve_end(contract, reason="MOVE_OUT", today=D(2026, 12, 4), requested=bad)


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("invalid_street", contracts.NewAddress("1", "3", "10115", "Berlin")),
        ("invalid_street", contracts.NewAddress("12345", "3", "10115", "Berlin")),
        ("invalid_house_number", contracts.NewAddress("Hauptstraße", "3;drop", "10115", "Berlin")),
        ("invalid_zip", contracts.NewAddress("Hauptstraße", "3", "1011", "Berlin")),
        ("invalid_city", contracts.NewAddress("Hauptstraße", "3", "10115", "Berlin 2")),
    ],
)
def test_address_rules(field, address):
    with pytest.raises(contracts.ContractError) as caught:
        contracts.validate_address(address)
    assert caught.value.code == field


def subscription(session: Session, number: str) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == number)).one()


def test_termination_request_and_withdrawal(session: Session, acme: Plan):
    jonas = subscription(session, "ACME-100003")
    termination = contracts.request_termination(
        session, plan=acme, subscription=jonas, reason="ORDINARY", requested=None, new_address=None, now=NOW
    )
    # Cancelled on 4 Dec with one month to the month's end: supply ends with 31 January.
    assert termination.intended_end_at == datetime.datetime(2027, 2, 1, tzinfo=BERLIN)
    assert jonas.end_at == termination.intended_end_at
    with pytest.raises(contracts.ContractError, match="already_terminated"):
        contracts.request_termination(
            session, plan=acme, subscription=jonas, reason="ORDINARY", requested=None, new_address=None, now=NOW
        )
    contracts.withdraw_termination(session, subscription=jonas, now=NOW)
    assert jonas.end_at is None
    assert session.exec(select(Termination)).one().status == "withdrawn"
    with pytest.raises(contracts.ContractError, match="no_pending_termination"):
        contracts.withdraw_termination(session, subscription=jonas, now=NOW)


def test_bad_request_stores_nothing(session: Session, acme: Plan):
    jonas = subscription(session, "ACME-100003")
    with pytest.raises(contracts.ContractError):
        contracts.request_termination(
            session,
            plan=acme,
            subscription=jonas,
            reason="MOVE_OUT",
            requested=D(2026, 12, 20),
            new_address=contracts.NewAddress("", "", "", ""),
            now=NOW,
        )
    assert session.exec(select(Termination)).all() == []
    assert jonas.end_at is None


def test_meter_swap_continuity(session: Session):
    flat = subscription(session, "ACME-100002")
    last = readings.list_readings(session, subscription_id=flat.id)[-1].value_kwh
    with pytest.raises(contracts.ContractError, match="lower_final_reading"):
        contracts.report_meter_swap(
            session,
            subscription=flat,
            swapped_on=D(2026, 12, 1),
            old_final_reading_kwh=last - 1,
            new_meter_number="1NEW0000000001",
            new_start_reading_kwh=Decimal("0.5"),
            now=NOW,
        )
    with pytest.raises(contracts.ContractError, match="swap_date_in_future"):
        contracts.report_meter_swap(
            session,
            subscription=flat,
            swapped_on=D(2026, 12, 5),
            old_final_reading_kwh=last + 1,
            new_meter_number="1NEW0000000001",
            new_start_reading_kwh=Decimal("0.5"),
            now=NOW,
        )
    contracts.report_meter_swap(
        session,
        subscription=flat,
        swapped_on=D(2026, 12, 1),
        old_final_reading_kwh=last + 8,
        new_meter_number="1new0000000001",
        new_start_reading_kwh=Decimal("0.5"),
        now=NOW,
    )
    assert flat.meter_number == "1NEW0000000001"
    # A reading above the new meter's start is accepted although far below the old meter's values.
    readings.submit_reading(
        session, subscription=flat, read_on=D(2026, 12, 3), value_kwh=Decimal("9.5"), note="", submission_id="", now=NOW
    )
    rows = readings.reading_rows(readings.list_readings(session, subscription_id=flat.id))
    assert rows[0].consumption_kwh == Decimal("9.0")
    assert all(row.consumption_kwh is None or row.consumption_kwh >= 0 for row in rows)
    stored = session.exec(select(MeterReading).where(MeterReading.subscription_id == flat.id)).all()
    assert {r.meter_number for r in stored} == {"1ESY1161234567", "1NEW0000000001"}
