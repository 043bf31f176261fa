import datetime

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from nomos_portal import db
from nomos_portal.models import Plan, SpotPrice, Subscription
from nomos_portal.services import consumption as c
from nomos_portal.services import spot_prices as sp
from nomos_portal.services.spot_prices import BERLIN


def quarter_hours(day: datetime.date, *, days: int = 1) -> pd.DatetimeIndex:
    start, _ = c.local_day_bounds(day)
    _, end = c.local_day_bounds(day + datetime.timedelta(days=days - 1))
    return pd.date_range(start, end, freq="15min", inclusive="left")


def frame(index: pd.DatetimeIndex, kwh: float = 0.1, state: str = "final") -> pd.DataFrame:
    return pd.DataFrame({"energy_kwh": kwh, "state": state}, index=index.rename("start_at"))


def test_periods_and_shifts():
    assert c.period_for("week", datetime.date(2026, 3, 29)) == c.Period(
        "week", datetime.date(2026, 3, 23), datetime.date(2026, 3, 30)
    )
    assert c.period_for("month", datetime.date(2026, 2, 10)).end == datetime.date(2026, 3, 1)
    assert c.shift_period(c.period_for("month", datetime.date(2026, 1, 31)), -1).start == datetime.date(2025, 12, 1)
    assert c.shift_period(c.period_for("year", datetime.date(2026, 5, 1)), 1).start == datetime.date(2027, 1, 1)
    assert c.shift_period(c.period_for("week", datetime.date(2026, 1, 1)), 1).start == datetime.date(2026, 1, 5)
    with pytest.raises(ValueError, match="Unknown view"):
        c.period_for("decade", datetime.date(2026, 1, 1))


def test_day_view_on_25_hour_day():
    day = datetime.date(2025, 10, 26)
    index = quarter_hours(day)
    assert len(index) == 100
    bars = c.aggregate(frame(index, 0.25), pd.Series(30.0, index=index), period=c.period_for("day", day))
    assert len(bars) == 100
    assert float(c.total_kwh(bars)) == pytest.approx(25.0)
    assert bars[0].cost_eur == pytest.approx(0.075)


def test_day_view_on_23_hour_day_has_92_bars():
    day = datetime.date(2026, 3, 29)
    bars = c.aggregate(frame(quarter_hours(day)), pd.Series(dtype=float), period=c.period_for("day", day))
    assert len(bars) == 92
    assert all(bar.price_ct_per_kwh is None for bar in bars)


def test_week_view_sums_days_across_dst():
    week = c.period_for("week", datetime.date(2026, 3, 29))
    index = quarter_hours(week.start, days=7)
    bars = c.aggregate(frame(index, 0.01), pd.Series(dtype=float), period=week)
    assert len(bars) == 7
    assert bars[0].start.weekday() == 0
    assert bars[-1].energy_kwh == pytest.approx(0.92)  # Sunday 29 March: 92 quarter hours
    assert bars[0].energy_kwh == pytest.approx(0.96)
    assert float(c.total_kwh(bars)) == pytest.approx(0.01 * len(index))


def test_month_boundaries_and_gaps():
    month = c.period_for("month", datetime.date(2026, 2, 1))
    index = quarter_hours(datetime.date(2026, 2, 1), days=10)
    bars = c.aggregate(frame(index), pd.Series(dtype=float), period=month)
    assert len(bars) == 28
    assert bars[9].energy_kwh == pytest.approx(9.6)
    assert bars[10].energy_kwh is None  # no data: a gap, not 0


def test_weighted_average_price():
    day = datetime.date(2026, 6, 1)
    index = quarter_hours(day)
    kwh = np.where(np.arange(96) < 48, 0.1, 0.3)
    prices = pd.Series(np.where(np.arange(96) < 48, 20.0, 40.0), index=index)
    intervals = pd.DataFrame({"energy_kwh": kwh, "state": "final"}, index=index)
    bars = c.aggregate(intervals, prices, period=c.period_for("month", day))
    june_first = bars[0]
    # (48*0.1*20 + 48*0.3*40) / (48*0.4) = 35 ct/kWh
    assert june_first.price_ct_per_kwh == pytest.approx(35.0)
    assert june_first.cost_eur == pytest.approx((48 * 0.1 * 20 + 48 * 0.3 * 40) / 100)
    assert june_first.min_kwh == pytest.approx(0.1)
    assert june_first.max_kwh == pytest.approx(0.3)


def test_state_of_aggregated_bar_is_least_certain():
    day = datetime.date(2026, 6, 1)
    index = quarter_hours(day)
    intervals = frame(index)
    intervals.iloc[5, intervals.columns.get_loc("state")] = "substitute"
    bars = c.aggregate(intervals, pd.Series(dtype=float), period=c.period_for("week", day))
    assert bars[0].state == "substitute"


def test_year_view_by_month_matches_raw_total(session: Session, lumio: Plan):
    lea = session.exec(select(Subscription).where(Subscription.number == "LUM-2025-0042")).one()
    period = c.period_for("year", datetime.date(2026, 1, 1))
    intervals = c.load_intervals(session, subscription_id=lea.id, period=period)
    prices = c.load_prices_ct(session, plan=lumio, subscription=lea, period=period)
    bars = c.aggregate(intervals, prices, period=period)
    assert len(bars) == 12
    assert float(c.total_kwh(bars)) == pytest.approx(round(intervals["energy_kwh"].sum(), 3), abs=0.0005)
    assert bars[0].price_ct_per_kwh is not None


def test_hourly_prices_cover_quarter_hours(session: Session, lumio: Plan):
    lea = session.exec(select(Subscription).where(Subscription.number == "LUM-2025-0042")).one()
    period = c.period_for("day", datetime.date(2024, 10, 27))
    prices = c.load_prices_ct(session, plan=lumio, subscription=lea, period=period)
    assert len(prices) == 100
    first_hour = prices.iloc[:4]
    assert first_hour.nunique() == 1


def day_prices(start: datetime.datetime, eur_per_mwh: float, *, quarters: int = 96) -> list[sp.PricePoint]:
    return [
        sp.PricePoint(
            start_at=start + datetime.timedelta(minutes=15 * n), resolution_minutes=15, price_eur_per_mwh=eur_per_mwh
        )
        for n in range(quarters)
    ]


def test_cached_spot_prices_notice_rows_stored_by_another_process(session: Session, lumio: Plan):
    lea = session.exec(select(Subscription).where(Subscription.number == "LUM-2025-0042")).one()
    day = c.period_for("day", datetime.date(2030, 1, 7))
    start, _ = c.utc_bounds(day)
    assert c.load_prices_ct(session, plan=lumio, subscription=lea, period=day).empty

    # Another worker stores the first half of the day, then the rest: plain SQL on its own connection.
    halves = (day_prices(start, 80)[:48], day_prices(start, 90)[48:])
    for stored, points in ((48, halves[0]), (96, halves[1])):
        with db.open_session() as other:
            other.execute(
                sa.insert(SpotPrice),
                [
                    {"start_at": p.start_at, "resolution_minutes": 15, "price_eur_per_mwh": p.price_eur_per_mwh}
                    for p in points
                ],
            )
            other.commit()
        session.rollback()
        prices = c.load_prices_ct(session, plan=lumio, subscription=lea, period=day)
        assert len(prices) == stored
    assert prices.iloc[0] < prices.iloc[-1]


def test_spot_cache_reuses_series_and_stays_bounded(session: Session, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(c, "_spot_cache", sp.RangeCache(entries=3))
    start, end = c.utc_bounds(c.period_for("day", datetime.date(2030, 2, 4)))
    sp.import_prices(session, points=day_prices(start, 50))

    statements: list[str] = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        first = c.quarter_hour_spot(session, start=start, end=end)
        fetched = len(statements)
        first.iloc[0] = -1.0  # a caller's change stays its own
        again = c.quarter_hour_spot(session, start=start, end=end)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert fetched == 2
    assert len(statements) == 3, "a hit only checks the period's row count and highest id"
    assert again.iloc[0] == 50.0
    assert len(again) == 96

    for offset in range(1, 6):
        other = start + datetime.timedelta(days=offset)
        c.quarter_hour_spot(session, start=other, end=other + datetime.timedelta(days=1))
    assert len(c._spot_cache) == 3


def test_export_csv_header_and_formats():
    day = datetime.date(2026, 6, 1)
    index = quarter_hours(day)
    bars = c.aggregate(frame(index, 0.125), pd.Series(30.0, index=index), period=c.period_for("day", day))
    german = c.export_csv(bars, language="de").splitlines()
    english = c.export_csv(bars, language="en").splitlines()
    assert german[0] == "Beginn;Verbrauch (kWh);Preis (ct/kWh);Kosten (EUR)"
    assert german[1] == "2026-06-01T00:00:00+02:00;0,125;30,00;0,04"
    assert english[0] == "start,consumption (kWh),price (ct/kWh),cost (EUR)"
    assert english[1] == "2026-06-01T00:00:00+02:00,0.125,30.00,0.04"
    assert len(german) == 97


def test_berlin_constant_is_europe_berlin():
    assert str(BERLIN) == "Europe/Berlin"


def test_interpolated_days_spread_between_readings():
    from decimal import Decimal

    from nomos_portal.models import MeterReading

    def reading(day, value, meter="A"):
        return MeterReading(
            subscription_id=1,
            meter_number=meter,
            read_at=datetime.datetime(2026, 3, day, tzinfo=BERLIN),
            value_kwh=Decimal(value),
        )

    readings = [reading(1, "100"), reading(11, "150"), reading(21, "5", meter="B"), reading(31, "25", meter="B")]
    month = c.period_for("month", datetime.date(2026, 3, 1))
    daily = c.interpolated_days(readings, period=month)
    # 1-10 March at 5 kWh, nothing between meters A and B, 21-30 March at 2 kWh.
    assert len(daily) == 20
    bars = c.aggregate(daily, pd.Series(dtype=float), period=month)
    assert bars[0].energy_kwh == pytest.approx(5.0)
    assert bars[0].state == "substitute"
    assert bars[15].energy_kwh is None
    assert bars[25].energy_kwh == pytest.approx(2.0)
    assert float(c.total_kwh(bars)) == pytest.approx(70.0)


def daily_frame(days: dict[datetime.date, float]) -> pd.DataFrame:
    starts = [sp.local_day_bounds(day)[0] for day in days]
    frame = pd.DataFrame(
        {"energy_kwh": list(days.values()), "state": "substitute"}, index=pd.to_datetime(starts, utc=True)
    )
    frame.index.name = "start_at"
    return frame


def test_profile_intervals_keep_each_days_total():
    # 29 March 2026 has 23 hours, 30 March 24.
    period = c.Period(view="month", start=datetime.date(2026, 3, 29), end=datetime.date(2026, 3, 31))
    frame = c.profile_intervals(
        daily_frame({datetime.date(2026, 3, 29): 9.2, datetime.date(2026, 3, 30): 12.0}), period=period
    )
    assert len(frame) == 92 + 96
    local_days = frame.index.tz_convert(BERLIN).date
    assert frame["energy_kwh"][local_days == datetime.date(2026, 3, 29)].sum() == pytest.approx(9.2)
    assert frame["energy_kwh"][local_days == datetime.date(2026, 3, 30)].sum() == pytest.approx(12.0)
    assert set(frame["state"]) == {"substitute"}


def test_profile_intervals_follow_household_shape():
    period = c.Period(view="day", start=datetime.date(2026, 3, 30), end=datetime.date(2026, 3, 31))
    frame = c.profile_intervals(daily_frame({datetime.date(2026, 3, 30): 10.0}), period=period)
    local = frame.index.tz_convert(BERLIN)
    night = frame["energy_kwh"][(local.hour >= 2) & (local.hour < 5)].mean()
    evening = frame["energy_kwh"][(local.hour >= 18) & (local.hour < 21)].mean()
    # Households use far more power in the evening than at night.
    assert evening > 2 * night


def test_profile_intervals_skip_days_without_estimate():
    period = c.Period(view="month", start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 3))
    frame = c.profile_intervals(daily_frame({datetime.date(2026, 3, 2): 8.0}), period=period)
    assert len(frame) == 96
    assert c.profile_intervals(daily_frame({}), period=period).empty


def test_has_billing_data_matches_billing_intervals(session: Session):
    for subscription in session.exec(select(Subscription)).all():
        for start in (datetime.date(2025, 1, 1), datetime.date(2026, 2, 1), datetime.date(2027, 6, 1)):
            period = c.period_for("month", start)
            loaded = c.billing_intervals(session, subscription=subscription, period=period)
            assert c.has_billing_data(session, subscription=subscription, period=period) == (not loaded.empty), (
                subscription.number,
                start,
            )
