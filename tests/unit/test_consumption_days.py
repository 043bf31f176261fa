import datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from alembic import command
from nomos_portal.models import ConsumptionDay, Plan, Subscription
from nomos_portal.services import consumption as c
from nomos_portal.services import consumption_days as cd
from nomos_portal.services import meter_data_import
from nomos_portal.services import spot_prices as sp
from tests.conftest import alembic_config


def lea(session: Session) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == "LUM-2025-0042")).one()


def from_intervals(session: Session, plan: Plan, subscription: Subscription, period: c.Period) -> list[c.Bar]:
    """The bars as drawn from every quarter hour, which the stored days must reproduce."""
    intervals = c.load_intervals(session, subscription_id=subscription.id, period=period)
    prices = c.load_prices_ct(session, plan=plan, subscription=subscription, period=period)
    return c.aggregate(intervals, prices, period=period)


def assert_same_bars(stored: list[c.Bar], expected: list[c.Bar]) -> None:
    assert [bar.start for bar in stored] == [bar.start for bar in expected]
    assert [bar.state for bar in stored] == [bar.state for bar in expected]
    for got, reference in zip(stored, expected, strict=True):
        for name in ("energy_kwh", "price_ct_per_kwh", "cost_eur", "min_kwh", "max_kwh"):
            value, expected_value = getattr(got, name), getattr(reference, name)
            if expected_value is None:
                assert value is None, (got.start, name)
            else:
                assert value == pytest.approx(expected_value, rel=1e-9, abs=1e-9), (got.start, name)


@pytest.mark.parametrize(
    ("view", "anchor"),
    [
        ("week", datetime.date(2026, 3, 25)),  # the week of the spring DST change
        ("week", datetime.date(2026, 10, 28)),
        ("month", datetime.date(2026, 10, 1)),  # 15-minute prices, and an autumn day of 25 hours
        ("month", datetime.date(2025, 12, 1)),  # the seeded year starts within this month
        ("year", datetime.date(2026, 1, 1)),
        ("year", datetime.date(2025, 1, 1)),  # hourly prices spread over their quarter hours
    ],
)
def test_stored_days_give_the_bars_of_the_intervals(session: Session, lumio: Plan, view: str, anchor: datetime.date):
    subscription = lea(session)
    period = c.period_for(view, anchor)
    expected = from_intervals(session, lumio, subscription, period)
    assert any(bar.energy_kwh is not None for bar in expected)
    assert_same_bars(cd.aggregate(session, plan=lumio, subscription=subscription, period=period), expected)


def add_day_of_intervals(session: Session, subscription: Subscription, day: datetime.date, kwh: str) -> None:
    start, _ = c.local_day_bounds(day)
    rows = [
        f"{subscription.number};{(start + datetime.timedelta(minutes=15 * n)).isoformat()};{kwh};final"
        for n in range(96)
    ]
    text = "subscription_number;start_at;energy_kwh;state\n" + "\n".join(rows) + "\n"
    meter_data_import.import_intervals(session, text=text, source="test.csv")


def test_prices_stored_after_the_intervals_reach_the_chart(session: Session, lumio: Plan):
    subscription = lea(session)
    day = datetime.date(2031, 3, 3)
    add_day_of_intervals(session, subscription, day, "0,1000")
    week = c.period_for("week", day)
    [bar] = [bar for bar in cd.aggregate(session, plan=lumio, subscription=subscription, period=week) if bar.energy_kwh]
    assert bar.energy_kwh == pytest.approx(9.6)
    assert bar.cost_eur is None
    assert bar.price_ct_per_kwh is None

    # Another process imports the day's prices; the stored day still contains the sum without them.
    start, _ = c.local_day_bounds(day)
    sp.import_prices(
        session,
        points=[
            sp.PricePoint(
                start_at=start + datetime.timedelta(minutes=15 * n), resolution_minutes=15, price_eur_per_mwh=100
            )
            for n in range(96)
        ],
    )
    bars = cd.aggregate(session, plan=lumio, subscription=subscription, period=week)
    assert_same_bars(bars, from_intervals(session, lumio, subscription, week))
    assert [bar.cost_eur is not None for bar in bars].count(True) == 1
    stored = session.get(ConsumptionDay, (subscription.id, day))
    assert stored is not None
    assert stored.price_count == 96
    assert stored.priced_count == 96


def test_corrected_intervals_replace_the_day_total(session: Session, lumio: Plan):
    subscription = lea(session)
    day = datetime.date(2031, 3, 4)
    add_day_of_intervals(session, subscription, day, "0,1000")
    add_day_of_intervals(session, subscription, day, "0,2000")
    stored = session.get(ConsumptionDay, (subscription.id, day))
    assert stored is not None
    assert stored.energy_kwh == pytest.approx(19.2)
    assert stored.interval_count == 96
    assert stored.state == "final"


def test_demo_top_up_stores_its_days(session: Session):
    subscription = lea(session)
    stored_days = session.exec(
        select(sa.func.count()).where(col(ConsumptionDay.subscription_id) == subscription.id)
    ).one()
    assert stored_days >= 365


def test_migration_sums_intervals_stored_before_it(session: Session, lumio: Plan):
    subscription = lea(session)
    period = c.period_for("month", datetime.date(2026, 6, 1))
    expected = from_intervals(session, lumio, subscription, period)
    url = session.get_bind().url.render_as_string(hide_password=False)
    session.close()

    engine = sa.create_engine(url)
    for target in ("0009", "0010"):
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            (command.downgrade if target == "0009" else command.upgrade)(config, target)
    engine.dispose()

    unsummed = session.exec(
        select(sa.func.count()).where(
            ConsumptionDay.subscription_id == subscription.id, ConsumptionDay.price_count == -1
        )
    ).one()
    assert unsummed >= 365
    assert_same_bars(cd.aggregate(session, plan=lumio, subscription=subscription, period=period), expected)
    june = session.get(ConsumptionDay, (subscription.id, datetime.date(2026, 6, 15)))
    assert june is not None
    assert june.price_count > 0
