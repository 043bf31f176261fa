import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from nomos_portal import db
from nomos_portal.models import ConsumptionInterval, MeterReading, Plan, SpotPrice, Subscription
from nomos_portal.services import bill_estimate, metering
from nomos_portal.services.spot_prices import BERLIN
from tests.conftest import SEED_NOW


def subscription(session: Session, number: str) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == number)).one()


def interval_count(session: Session, subscription_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(ConsumptionInterval)
        .where(ConsumptionInterval.subscription_id == subscription_id)
    ).one()


def test_smart_meter_has_a_year_up_to_yesterday(session: Session):
    lea = subscription(session, "LUM-2025-0042")
    latest = metering.latest_consumption(session, subscription_id=lea.id)
    assert latest.end_at == datetime.datetime(2026, 12, 4, tzinfo=BERLIN)
    assert latest.state == "preliminary"
    # 365 local days; the year contains one 23-hour and one 25-hour day.
    assert interval_count(session, lea.id) == 365 * 96


def test_profile_consumption_matches_annual_usage(session: Session):
    lea = subscription(session, "LUM-2025-0042")
    total = session.exec(
        select(func.sum(ConsumptionInterval.energy_kwh)).where(ConsumptionInterval.subscription_id == lea.id)
    ).one()
    assert abs(Decimal(total) - lea.estimated_usage) < lea.estimated_usage * Decimal("0.05")


def test_real_series_customer_has_gaps_not_zeros(session: Session):
    jonas = subscription(session, "ACME-100003")
    count = interval_count(session, jonas.id)
    assert 0 < count < 365 * 96
    zero = session.exec(
        select(func.count())
        .select_from(ConsumptionInterval)
        .where(ConsumptionInterval.subscription_id == jonas.id)
        .where(ConsumptionInterval.energy_kwh < 0)
    ).one()
    assert zero == 0


def test_top_up_is_idempotent_and_adds_new_days(session: Session):
    lea = subscription(session, "LUM-2025-0042")
    before = interval_count(session, lea.id)
    assert metering.ensure_demo_consumption(session, subscription=lea, now=SEED_NOW) == 0
    two_days_later = SEED_NOW + datetime.timedelta(days=2)
    assert metering.ensure_demo_consumption(session, subscription=lea, now=two_days_later) == 2 * 96
    assert interval_count(session, lea.id) == before + 2 * 96


def test_top_up_tolerates_a_concurrent_top_up(session: Session, monkeypatch: pytest.MonkeyPatch):
    # Another tab adds the same days between this request's look at the newest interval and its insert.
    lea = subscription(session, "LUM-2025-0042")
    two_days_later = SEED_NOW + datetime.timedelta(days=2)
    newest = metering.latest_consumption(session, subscription_id=lea.id)
    with Session(session.get_bind()) as other:
        other_lea = subscription(other, "LUM-2025-0042")
        assert metering.ensure_demo_consumption(other, subscription=other_lea, now=two_days_later) == 2 * 96
    monkeypatch.setattr(metering, "latest_consumption", lambda session, subscription_id: newest)
    before = interval_count(session, lea.id)
    assert metering.ensure_demo_consumption(session, subscription=lea, now=two_days_later) == 0
    assert interval_count(session, lea.id) == before


def test_demo_series_deterministic_per_seed():
    lea = Subscription(number="LUM-2025-0042", estimated_usage=2600, meter_type="smart")
    first = metering.demo_series(lea, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 8), seed=1)
    again = metering.demo_series(lea, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 8), seed=1)
    other = metering.demo_series(lea, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 8), seed=2)
    assert first.equals(again)
    assert not first.equals(other)


def test_analog_meter_gets_rising_readings(session: Session):
    flat = subscription(session, "ACME-100002")
    assert interval_count(session, flat.id) == 0
    readings = session.exec(
        select(MeterReading).where(MeterReading.subscription_id == flat.id).order_by(MeterReading.read_at)
    ).all()
    assert len(readings) >= 2
    assert [r.value_kwh for r in readings] == sorted(r.value_kwh for r in readings)
    latest = metering.latest_reading(session, subscription_id=flat.id)
    assert latest.source == "customer_report"


def test_bill_estimate_from_measured_month(session: Session, lumio: Plan):
    lea = subscription(session, "LUM-2025-0042")
    estimate = bill_estimate.estimate_next_bill(session, plan=lumio, subscription=lea, now=SEED_NOW, demo_mode=True)
    assert estimate.measured
    assert estimate.issue_date == datetime.date(2027, 1, 1)
    assert estimate.period_start == datetime.date(2026, 12, 1)
    measured = session.exec(
        select(func.sum(ConsumptionInterval.energy_kwh))
        .where(ConsumptionInterval.subscription_id == lea.id)
        .where(ConsumptionInterval.start_at >= datetime.datetime(2026, 12, 1, tzinfo=BERLIN))
    ).one()
    # Three measured days projected onto 31.
    assert estimate.consumption_kwh == (Decimal(measured) * 31 / 3).quantize(Decimal("0.1"))
    fees = lumio.price + Decimal("72.00") / 12 * Decimal("1.19")
    assert estimate.amount_eur > fees
    assert estimate.amount_eur < fees + estimate.consumption_kwh * Decimal("0.60")


def test_bill_estimate_for_analog_meter_uses_annual_usage(session: Session, acme: Plan):
    flat = subscription(session, "ACME-100002")
    estimate = bill_estimate.estimate_next_bill(session, plan=acme, subscription=flat, now=SEED_NOW, demo_mode=True)
    assert not estimate.measured
    assert estimate.consumption_kwh == (Decimal(1400) * 31 / 365).quantize(Decimal("0.1"))


def test_bill_estimate_counts_only_prices_before_now(session: Session, acme: Plan):
    flat = subscription(session, "ACME-100002")
    end_of_month = datetime.datetime(2026, 12, 31, 23, tzinfo=BERLIN)

    def estimate(now: datetime.datetime) -> Decimal:
        found = bill_estimate.estimate_next_bill(session, plan=acme, subscription=flat, now=now, demo_mode=True)
        return found.amount_eur

    early, late = estimate(SEED_NOW), estimate(end_of_month)
    # Another process stores a dear real price later this month; the month's prices are cached per worker.
    with db.open_session() as other:
        other.execute(
            sa.insert(SpotPrice),
            [
                {
                    "start_at": datetime.datetime(2026, 12, 20, 12, tzinfo=BERLIN),
                    "resolution_minutes": 15,
                    "price_eur_per_mwh": Decimal("99999.00"),
                }
            ],
        )
        other.commit()
    session.rollback()
    assert estimate(SEED_NOW) == early
    assert estimate(end_of_month) > late


def test_no_bill_for_pending_subscription(session: Session, lumio: Plan):
    pending = subscription(session, "LUM-2026-0107")
    assert (
        bill_estimate.estimate_next_bill(session, plan=lumio, subscription=pending, now=SEED_NOW, demo_mode=True)
        is None
    )
