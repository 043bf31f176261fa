"""Consumption against price: load meter intervals with their prices and aggregate them per period."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import ConsumptionInterval, Plan, SpotPrice, Subscription
from nomos_portal.services import load_profile, pricing, readings, spot_prices
from nomos_portal.services.spot_prices import BERLIN, local_day_bounds

VIEWS = ("day", "week", "month", "year")
# Worst state first: an aggregated bar shows the least certain state among its intervals.
STATE_RANK = {"substitute": 0, "preliminary": 1, "final": 2}
STATE_BY_RANK = {rank: state for state, rank in STATE_RANK.items()}


@dataclasses.dataclass(frozen=True)
class Period:
    """A view's time span in Berlin days, end exclusive."""

    view: str
    start: datetime.date
    end: datetime.date


def period_for(view: str, anchor: datetime.date) -> Period:
    """The day, ISO week (Monday first), month or year that contains an anchor day.

    Raises:
        ValueError: Unknown view.
    """
    if view == "day":
        return Period(view, anchor, anchor + datetime.timedelta(days=1))
    if view == "week":
        start = anchor - datetime.timedelta(days=anchor.weekday())
        return Period(view, start, start + datetime.timedelta(days=7))
    if view == "month":
        start = anchor.replace(day=1)
        return Period(view, start, (start + datetime.timedelta(days=32)).replace(day=1))
    if view == "year":
        return Period(view, datetime.date(anchor.year, 1, 1), datetime.date(anchor.year + 1, 1, 1))
    msg = f"Unknown view {view!r}; use one of {', '.join(VIEWS)}."
    raise ValueError(msg)


def shift_period(period: Period, steps: int) -> Period:
    """The period `steps` views before (negative) or after (positive) this one."""
    if period.view in ("day", "week"):
        days = 1 if period.view == "day" else 7
        return period_for(period.view, period.start + datetime.timedelta(days=days * steps))
    if period.view == "month":
        month_index = period.start.year * 12 + period.start.month - 1 + steps
        return period_for("month", datetime.date(month_index // 12, month_index % 12 + 1, 1))
    return period_for("year", datetime.date(period.start.year + steps, 1, 1))


def utc_bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC start and exclusive end of a period of Berlin days."""
    return local_day_bounds(period.start)[0], local_day_bounds(period.end)[0]


def load_intervals(session: Session, *, subscription_id: int, period: Period) -> pd.DataFrame:
    """A subscription's intervals in a period: UTC `start_at` index, `energy_kwh` and `state`."""
    start, end = utc_bounds(period)
    rows = session.exec(
        select(
            ConsumptionInterval.start_at,
            sa.cast(ConsumptionInterval.energy_kwh, sa.Float),
            ConsumptionInterval.state,
        )
        .where(ConsumptionInterval.subscription_id == subscription_id)
        .where(col(ConsumptionInterval.start_at) >= start)
        .where(col(ConsumptionInterval.start_at) < end)
        .order_by(col(ConsumptionInterval.start_at))
    ).all()
    frame = _frame(rows, ["start_at", "energy_kwh", "state"])
    frame["start_at"] = pd.to_datetime(frame["start_at"], utc=True)
    frame["energy_kwh"] = frame["energy_kwh"].astype(float)
    return frame.set_index("start_at")


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """A data frame built column by column from result rows.

    A year contains 35,040 quarter hours, and handing pandas the rows themselves made it
    inspect each one and took most of a year view's time.
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({name: list(column) for name, column in zip(columns, values, strict=True)})


# A year view reads 35,040 spot prices, the same for every customer. Each worker keeps the
# series of its 24 most recent periods (an estimated 0.6 MB for a year).
_spot_cache = spot_prices.RangeCache(entries=24)


def quarter_hour_spot(session: Session, *, start: datetime.datetime, end: datetime.datetime) -> pd.Series:
    """Spot EUR/MWh per quarter hour from `start` to `end`; real prices win over demo replays.

    Hourly prices cover their four quarter hours.
    """

    def build() -> pd.Series:
        rows = session.exec(
            select(
                SpotPrice.start_at,
                SpotPrice.resolution_minutes,
                sa.cast(SpotPrice.price_eur_per_mwh, sa.Float),
                SpotPrice.is_demo,
            )
            .where(SpotPrice.bidding_zone == spot_prices.BIDDING_ZONE)
            .where(col(SpotPrice.start_at) >= start)
            .where(col(SpotPrice.start_at) < end)
        ).all()
        frame = _frame(rows, ["start_at", "resolution", "eur_per_mwh", "is_demo"])
        frame["start_at"] = pd.to_datetime(frame["start_at"], utc=True)
        frame["eur_per_mwh"] = frame["eur_per_mwh"].astype(float)
        frame = frame.sort_values("is_demo").drop_duplicates("start_at", keep="first")

        # Spread each hourly price over its four quarter hours.
        hourly = frame[frame["resolution"] == 60]
        quarters = [frame[frame["resolution"] == 15][["start_at", "eur_per_mwh"]]]
        for offset in (0, 15, 30, 45):
            shifted = hourly[["start_at", "eur_per_mwh"]].copy()
            shifted["start_at"] = shifted["start_at"] + pd.Timedelta(minutes=offset)
            quarters.append(shifted)
        return pd.concat(quarters).drop_duplicates("start_at").set_index("start_at")["eur_per_mwh"].sort_index()

    return _spot_cache.get(session, start=start, end=end, build=build).copy()


def load_prices_ct(session: Session, *, plan: Plan, subscription: Subscription, period: Period) -> pd.Series:
    """Gross ct/kWh per quarter hour of a period; hourly prices cover their four quarter hours.

    Real prices win over demo replays. The components (levies) are taken per
    calendar year of the interval.
    """
    start, end = utc_bounds(period)
    spot = quarter_hour_spot(session, start=start, end=end)
    if spot.empty:
        return pd.Series(dtype=float)

    gross = pd.Series(np.nan, index=spot.index)
    years = spot.index.tz_convert(BERLIN).year
    for year in np.unique(years):
        components = pricing.components_for(
            session, plan=plan, subscription=subscription, day=datetime.date(int(year), 12, 31)
        )
        factor, fixed = gross_price_terms(components)
        mask = years == year
        gross[mask] = (spot[mask] / 10 + fixed) * factor
    return gross


def gross_price_terms(components: pricing.PriceComponents) -> tuple[float, float]:
    """Return the VAT factor and the net ct/kWh added to the spot price: gross = (spot / 10 + net) * factor."""
    net = components.procurement_margin_ct_per_kwh + components.grid_net_ct_per_kwh + components.levies_net_ct_per_kwh
    return 1 + float(components.vat_rate), float(net)


@dataclasses.dataclass(frozen=True)
class Bar:
    """One bar of a consumption chart; kWh None is a gap without data."""

    start: pd.Timestamp
    energy_kwh: float | None
    price_ct_per_kwh: float | None
    cost_eur: float | None
    state: str | None
    min_kwh: float | None = None
    max_kwh: float | None = None

    @classmethod
    def gap(cls, start: pd.Timestamp) -> Bar:
        """Return a gap: a bar without intervals, so without kWh, price or state."""
        return cls(start=start, energy_kwh=None, price_ct_per_kwh=None, cost_eur=None, state=None)


def aggregate(intervals: pd.DataFrame, prices_ct: pd.Series, *, period: Period) -> list[Bar]:
    """Aggregate intervals into bars: intervals for a day, days for a week or month, months for a year.

    The price of an aggregated bar is the consumption-weighted average of the
    prices paid. Intervals without a price count towards kWh but not towards
    price or cost. A bar without intervals is a gap, never 0 kWh. Every bar also
    keeps the smallest and largest interval in it.
    """
    index = bar_index(period)
    if intervals.empty:
        return [Bar.gap(moment) for moment in index]

    frame = intervals.copy()
    frame["price_ct"] = prices_ct.reindex(frame.index) if not prices_ct.empty else np.nan
    priced = frame["price_ct"].notna()
    frame["cost_eur"] = np.where(priced, frame["energy_kwh"] * frame["price_ct"] / 100, np.nan)
    frame["priced_kwh"] = np.where(priced, frame["energy_kwh"], 0.0)
    frame["state_rank"] = frame["state"].map(STATE_RANK)

    local = frame.index.tz_convert(BERLIN)
    if period.view == "day":
        keys = frame.index
    elif period.view in ("week", "month"):
        keys = local.normalize()
    else:
        keys = pd.DatetimeIndex(local.tz_localize(None)).to_period("M").to_timestamp().tz_localize(BERLIN)
    grouped = frame.groupby(keys)
    sums = grouped[["energy_kwh", "priced_kwh"]].sum()
    costs = grouped["cost_eur"].sum(min_count=1)
    ranks = grouped["state_rank"].min()
    low = grouped["energy_kwh"].min()
    high = grouped["energy_kwh"].max()

    bars = []
    for moment in index:
        if moment not in sums.index:
            bars.append(Bar.gap(moment))
            continue
        cost = costs.get(moment)
        priced_kwh = sums.at[moment, "priced_kwh"]
        price = cost * 100 / priced_kwh if cost is not None and not pd.isna(cost) and priced_kwh > 0 else None
        bars.append(
            Bar(
                start=moment,
                energy_kwh=float(sums.at[moment, "energy_kwh"]),
                price_ct_per_kwh=float(price) if price is not None else None,
                cost_eur=None if cost is None or pd.isna(cost) else float(cost),
                state=STATE_BY_RANK.get(int(ranks.at[moment])),
                min_kwh=float(low.at[moment]),
                max_kwh=float(high.at[moment]),
            )
        )
    return bars


def bar_index(period: Period) -> list[pd.Timestamp]:
    """Start of each bar: the quarter hours of a day, the Berlin days of a week or month, the months of a year."""
    start, end = utc_bounds(period)
    if period.view == "day":
        return list(pd.date_range(start, end, freq="15min", inclusive="left"))
    if period.view in ("week", "month"):
        days = pd.date_range(period.start, period.end, freq="D", inclusive="left")
        return [day.tz_localize(BERLIN) for day in days]
    months = pd.date_range(period.start, period.end, freq="MS", inclusive="left")
    return [month.tz_localize(BERLIN) for month in months]


def total_kwh(bars: list[Bar]) -> Decimal:
    """Sum of a view's bars in kWh, rounded to the Wh."""
    return Decimal(repr(sum(bar.energy_kwh or 0.0 for bar in bars))).quantize(Decimal("0.001"))


def export_csv(bars: list[Bar], *, language: str) -> str:
    """The shown bars as CSV: ISO 8601 start with offset, kWh, ct/kWh and EUR, header in the UI language."""
    header = {
        "de": "Beginn;Verbrauch (kWh);Preis (ct/kWh);Kosten (EUR)",
        "en": "start,consumption (kWh),price (ct/kWh),cost (EUR)",
    }[language if language in ("de", "en") else "de"]
    separator = ";" if language == "de" else ","

    def number(value: float | None, digits: int) -> str:
        if value is None:
            return ""
        text = f"{value:.{digits}f}"
        return text.replace(".", ",") if language == "de" else text

    lines = [header]
    for bar in bars:
        lines.append(
            separator.join(
                [
                    bar.start.tz_convert(BERLIN).isoformat(),
                    number(bar.energy_kwh, 3),
                    number(bar.price_ct_per_kwh, 2),
                    number(bar.cost_eur, 2),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def interpolated_days(readings: list, *, period: Period) -> pd.DataFrame:
    """Daily consumption between meter readings, spread evenly over the days between them.

    Each reading is paired with the previous reading of the same meter, so
    readings of the old and the new meter around a swap are never mixed.
    The rows carry the state "substitute", since they are estimates.

    Args:
        readings: MeterReading rows, oldest first.
        period: The days to return.
    """
    rows = []
    previous_by_meter: dict[str, object] = {}
    for current in readings:
        previous = previous_by_meter.get(current.meter_number)
        previous_by_meter[current.meter_number] = current
        if previous is None:
            continue
        first = previous.read_at.astimezone(BERLIN).date()
        days = (current.read_at.astimezone(BERLIN).date() - first).days
        if days <= 0:
            continue
        per_day = float(current.value_kwh - previous.value_kwh) / days
        for offset in range(days):
            day = first + datetime.timedelta(days=offset)
            if period.start <= day < period.end:
                rows.append((local_day_bounds(day)[0], per_day, "substitute"))
    frame = pd.DataFrame(rows, columns=["start_at", "energy_kwh", "state"])
    frame["start_at"] = pd.to_datetime(frame["start_at"], utc=True)
    return frame.set_index("start_at")


def profile_intervals(daily: pd.DataFrame, *, period: Period) -> pd.DataFrame:
    """Spread estimated daily consumption over each day's quarter hours in the shape of the BDEW H0 profile.

    Suppliers bill customers without a smart meter this way: the standard load profile
    replaces the missing interval measurements, so a dynamic price is weighted by
    when households typically use power.

    Args:
        daily: Rows of `interpolated_days`: UTC day start index, `energy_kwh`, `state`.
        period: The days to spread.

    Returns:
        A frame like `load_intervals` returns, with the state "substitute"; empty without daily rows.
    """
    if daily.empty:
        return pd.DataFrame({"energy_kwh": [], "state": []}, index=pd.DatetimeIndex([], tz="UTC", name="start_at"))
    profile = load_profile.h0_quarter_hours(start=period.start, end=period.end)["power_w_per_1000kwh_a"]
    days = profile.index.tz_convert(BERLIN).normalize().tz_convert("UTC")
    share = profile / profile.groupby(days).transform("sum")
    energy = pd.Series(days.map(daily["energy_kwh"]), index=profile.index) * share
    frame = pd.DataFrame({"energy_kwh": energy.astype(float), "state": "substitute"}).dropna(subset=["energy_kwh"])
    frame.index.name = "start_at"
    return frame


def billing_intervals(session: Session, *, subscription: Subscription, period: Period) -> pd.DataFrame:
    """Load the consumption to bill per quarter hour: measured for smart meters, profile-spread readings otherwise."""
    assert subscription.id is not None
    if subscription.meter_type == "smart":
        return load_intervals(session, subscription_id=subscription.id, period=period)
    stored = readings.list_readings(session, subscription_id=subscription.id)
    return profile_intervals(interpolated_days(stored, period=period), period=period)


def has_billing_data(session: Session, *, subscription: Subscription, period: Period) -> bool:
    """Check whether `billing_intervals` would find any consumption, without loading it."""
    assert subscription.id is not None
    if subscription.meter_type == "smart":
        start, end = utc_bounds(period)
        first = session.exec(
            select(ConsumptionInterval.id)
            .where(ConsumptionInterval.subscription_id == subscription.id)
            .where(col(ConsumptionInterval.start_at) >= start)
            .where(col(ConsumptionInterval.start_at) < end)
            .limit(1)
        ).first()
        return first is not None
    stored = readings.list_readings(session, subscription_id=subscription.id)
    return not interpolated_days(stored, period=period).empty
