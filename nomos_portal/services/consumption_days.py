"""Daily totals of smart-meter intervals, stored so that week, month and year charts read days.

A year chart drawn from quarter hours reads 35,040 intervals and as many prices, and under
load that was most of a worker's time. Every function that stores intervals calls
`refresh_days` for the days it wrote. Charts call `daily_totals`, which sums a day again when its spot prices
changed since it was stored.
"""

from __future__ import annotations

import datetime
import logging

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import ConsumptionDay, Plan, SpotPrice, Subscription
from nomos_portal.services import consumption, pricing, spot_prices
from nomos_portal.services.spot_prices import BERLIN, berlin_date, local_day_bounds

logger = logging.getLogger(__name__)

COLUMNS = [
    "interval_count",
    "energy_kwh",
    "min_kwh",
    "max_kwh",
    "state",
    "priced_count",
    "priced_kwh",
    "spot_eur_kwh_per_mwh",
    "price_count",
    "price_last_id",
]

# Each worker keeps the price stamps of its 24 most recent ranges (a year is 366 small tuples).
_stamp_cache = spot_prices.RangeCache(entries=24)


def price_stamps(session: Session, *, first: datetime.date, last: datetime.date) -> dict[datetime.date, tuple]:
    """Count and highest id of the stored spot prices of each Berlin day from first to last (inclusive).

    Days without prices are missing from the result.
    """
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)

    def build() -> dict[datetime.date, tuple]:
        rows = session.exec(
            select(SpotPrice.start_at, SpotPrice.id)
            .where(SpotPrice.bidding_zone == spot_prices.BIDDING_ZONE)
            .where(col(SpotPrice.start_at) >= start)
            .where(col(SpotPrice.start_at) < end)
        ).all()
        stamps: dict[datetime.date, tuple] = {}
        for moment, row_id in rows:
            day = berlin_date(moment)
            count, highest = stamps.get(day, (0, 0))
            stamps[day] = (count + 1, max(highest, row_id))
        return stamps

    return _stamp_cache.get(session, start=start, end=end, build=build)


def _span(first: datetime.date, last: datetime.date) -> consumption.Period:
    return consumption.Period("days", first, last + datetime.timedelta(days=1))


def sum_days(session: Session, *, subscription_id: int, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """Sum a subscription's intervals per Berlin day from first to last (inclusive), with the spot prices now stored.

    Returns:
        One row per day that has intervals, indexed by the date, with the columns of `ConsumptionDay`.
    """
    period = _span(first, last)
    intervals = consumption.load_intervals(session, subscription_id=subscription_id, period=period)
    if intervals.empty:
        return pd.DataFrame(columns=COLUMNS, index=pd.Index([], name="day"))
    start, end = consumption.utc_bounds(period)
    spot = consumption.quarter_hour_spot(session, start=start, end=end)
    frame = intervals.copy()
    frame["spot"] = spot.reindex(frame.index) if not spot.empty else np.nan
    priced = frame["spot"].notna()
    frame["priced"] = priced.astype(int)
    frame["priced_kwh"] = np.where(priced, frame["energy_kwh"], 0.0)
    frame["spot_eur_kwh_per_mwh"] = np.where(priced, frame["energy_kwh"] * frame["spot"], 0.0)
    frame["rank"] = frame["state"].map(consumption.STATE_RANK)
    days = pd.Index(frame.index.tz_convert(BERLIN).date, name="day")
    grouped = frame.groupby(days)
    result = pd.DataFrame(
        {
            "interval_count": grouped["energy_kwh"].count(),
            "energy_kwh": grouped["energy_kwh"].sum(),
            "min_kwh": grouped["energy_kwh"].min(),
            "max_kwh": grouped["energy_kwh"].max(),
            "state": grouped["rank"].min().map(consumption.STATE_BY_RANK),
            "priced_count": grouped["priced"].sum(),
            "priced_kwh": grouped["priced_kwh"].sum(),
            "spot_eur_kwh_per_mwh": grouped["spot_eur_kwh_per_mwh"].sum(),
        }
    )
    stamps = price_stamps(session, first=first, last=last)
    result["price_count"] = [stamps.get(day, (0, None))[0] for day in result.index]
    result["price_last_id"] = [stamps.get(day, (0, None))[1] for day in result.index]
    return result


def refresh_days(session: Session, *, subscription_id: int, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """Store the daily totals of first to last (inclusive) again; the caller commits.

    Returns:
        The stored totals, as `sum_days` returns them.
    """
    totals = sum_days(session, subscription_id=subscription_id, first=first, last=last)
    session.execute(
        sa.delete(ConsumptionDay)
        .where(col(ConsumptionDay.subscription_id) == subscription_id)
        .where(col(ConsumptionDay.day) >= first)
        .where(col(ConsumptionDay.day) <= last)
    )
    if not totals.empty:
        rows = [
            {
                "subscription_id": subscription_id,
                "day": day,
                "interval_count": int(row.interval_count),
                "energy_kwh": float(row.energy_kwh),
                "min_kwh": float(row.min_kwh),
                "max_kwh": float(row.max_kwh),
                "state": str(row.state),
                "priced_count": int(row.priced_count),
                "priced_kwh": float(row.priced_kwh),
                "spot_eur_kwh_per_mwh": float(row.spot_eur_kwh_per_mwh),
                "price_count": int(row.price_count),
                "price_last_id": None if pd.isna(row.price_last_id) else int(row.price_last_id),
            }
            for day, row in zip(totals.index, totals.itertuples(index=False), strict=True)
        ]
        session.execute(sa.insert(ConsumptionDay), rows)
    return totals


def daily_totals(session: Session, *, subscription_id: int, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """Read the stored daily totals from first to last (inclusive), summing again the days whose spot prices changed.

    Returns:
        One row per day with intervals, indexed by the date, as `sum_days` returns them.
    """
    rows = session.exec(
        select(ConsumptionDay.day, *(getattr(ConsumptionDay, name) for name in COLUMNS))
        .where(ConsumptionDay.subscription_id == subscription_id)
        .where(col(ConsumptionDay.day) >= first)
        .where(col(ConsumptionDay.day) <= last)
        .order_by(col(ConsumptionDay.day))
    ).all()
    frame = pd.DataFrame(
        [tuple(row[1:]) for row in rows], columns=COLUMNS, index=pd.Index([row[0] for row in rows], name="day")
    )
    if frame.empty:
        return frame
    stamps = price_stamps(session, first=first, last=last)
    stale = [
        day
        for day, count, last_id in zip(frame.index, frame["price_count"], frame["price_last_id"], strict=True)
        if (int(count), None if pd.isna(last_id) else int(last_id)) != stamps.get(day, (0, None))
    ]
    if not stale:
        return frame
    try:
        fresh = refresh_days(session, subscription_id=subscription_id, first=min(stale), last=max(stale))
        session.commit()
    except sa.exc.IntegrityError:
        # Another request stored the same days at the same moment, from the same rows.
        session.rollback()
        fresh = sum_days(session, subscription_id=subscription_id, first=min(stale), last=max(stale))
    logger.info("Summed %d days of subscription %s again after new spot prices", len(stale), subscription_id)
    unchanged = frame[(frame.index < min(stale)) | (frame.index > max(stale))]
    return pd.concat([unchanged, fresh]).sort_index()


def aggregate(
    session: Session, *, plan: Plan, subscription: Subscription, period: consumption.Period
) -> list[consumption.Bar]:
    """Build the bars of a week or month (one per day) or a year (one per month) from the stored daily totals.

    The cost of each day adds the plan's margin, grid fee and levies of the day's
    calendar year and VAT to the spot part, as `consumption.load_prices_ct` does per
    interval. A bar's price is the consumption-weighted average over its priced intervals.
    """
    assert subscription.id is not None
    last = period.end - datetime.timedelta(days=1)
    days = daily_totals(session, subscription_id=subscription.id, first=period.start, last=last)
    index = consumption.bar_index(period)
    if days.empty:
        return [consumption.Bar.gap(moment) for moment in index]

    years = sorted({day.year for day in days.index})
    factors: dict[int, tuple[float, float] | None] = {}
    for year in years:
        try:
            components = pricing.components_for(
                session, plan=plan, subscription=subscription, day=datetime.date(year, 12, 31)
            )
        except pricing.MissingComponentError:
            logger.exception("Price components missing for subscription %s in %s", subscription.id, year)
            factors[year] = None
            continue
        factors[year] = consumption.gross_price_terms(components)

    frame = days.copy()
    year_factors = [factors[day.year] for day in frame.index]
    vat = np.array([np.nan if factor is None else factor[0] for factor in year_factors], dtype=float)
    fixed = np.array([np.nan if factor is None else factor[1] for factor in year_factors], dtype=float)
    priced = (frame["priced_count"].to_numpy() > 0) & ~np.isnan(vat)
    spot_part = frame["spot_eur_kwh_per_mwh"].to_numpy(dtype=float) / 10
    frame["cost_eur"] = np.where(
        priced, (spot_part + fixed * frame["priced_kwh"].to_numpy(dtype=float)) * vat / 100, np.nan
    )
    frame["priced_kwh"] = np.where(frame["cost_eur"].notna(), frame["priced_kwh"], 0.0)
    frame["rank"] = frame["state"].map(consumption.STATE_RANK)

    if period.view == "year":
        keys = [datetime.date(day.year, day.month, 1) for day in frame.index]
    else:
        keys = list(frame.index)
    grouped = frame.groupby(pd.Index(keys, name="bar"))
    energy = grouped["energy_kwh"].sum()
    priced_kwh = grouped["priced_kwh"].sum()
    costs = grouped["cost_eur"].sum(min_count=1)
    ranks = grouped["rank"].min()
    low = grouped["min_kwh"].min()
    high = grouped["max_kwh"].max()

    bars = []
    for moment in index:
        key = moment.date()
        if key not in energy.index:
            bars.append(consumption.Bar.gap(moment))
            continue
        bar_cost = costs.at[key]
        has_cost = not pd.isna(bar_cost)
        bars.append(
            consumption.Bar(
                start=moment,
                energy_kwh=float(energy.at[key]),
                price_ct_per_kwh=float(bar_cost * 100 / priced_kwh.at[key])
                if has_cost and priced_kwh.at[key] > 0
                else None,
                cost_eur=float(bar_cost) if has_cost else None,
                state=consumption.STATE_BY_RANK.get(int(ranks.at[key])),
                min_kwh=float(low.at[key]),
                max_kwh=float(high.at[key]),
            )
        )
    return bars
