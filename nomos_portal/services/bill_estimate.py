"""Estimate the next monthly bill from this month's consumption and prices."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from nomos_portal.models import ConsumptionInterval, GridArea, Plan, Subscription
from nomos_portal.services import pricing, spot_prices
from nomos_portal.services.spot_prices import BERLIN, berlin_date

EURO_CENT = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class BillEstimate:
    """The bill for the running month, issued on the first day of the next one.

    Attributes:
        issue_date: Day the bill is expected.
        period_start: First day billed.
        period_end: Day after the last day billed.
        consumption_kwh: Measured so far plus the projection to the month's end.
        amount_eur: Gross amount: energy plus the monthly base and grid basic fees.
        measured: True when based on smart-meter intervals, False on the estimated annual usage.
    """

    issue_date: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    consumption_kwh: Decimal
    amount_eur: Decimal
    measured: bool


def month_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First day of a day's month and first day of the next month."""
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following


# Every customer's estimate reads the running month's prices; each worker keeps the last few months.
_month_cache = spot_prices.RangeCache(entries=4)


def _spot_by_start(session: Session, *, start: datetime.datetime, end: datetime.datetime) -> dict:
    """(resolution, EUR/MWh) by interval start from an hour before `start` to `end`; real prices win."""

    def build() -> dict[datetime.datetime, tuple[int, Decimal]]:
        rows = session.exec(
            select(
                spot_prices.SpotPrice.start_at,
                spot_prices.SpotPrice.resolution_minutes,
                spot_prices.SpotPrice.price_eur_per_mwh,
            )
            .where(spot_prices.SpotPrice.bidding_zone == spot_prices.BIDDING_ZONE)
            .where(col(spot_prices.SpotPrice.start_at) >= start - datetime.timedelta(hours=1))
            .where(col(spot_prices.SpotPrice.start_at) < end)
            .order_by(col(spot_prices.SpotPrice.is_demo))
        ).all()
        prices: dict[datetime.datetime, tuple[int, Decimal]] = {}
        # Real prices come first in the ordering and win over replayed ones.
        for start_at, resolution, price in rows:
            prices.setdefault(start_at, (resolution, price))
        return prices

    return _month_cache.get(session, start=start - datetime.timedelta(hours=1), end=end, build=build)


def _spot_for(prices: dict, moment: datetime.datetime) -> Decimal | None:
    quarter = prices.get(moment)
    if quarter is not None:
        return quarter[1]
    hour = prices.get(moment.replace(minute=0))
    if hour is not None and hour[0] == 60:
        return hour[1]
    return None


def estimate_next_bill(
    session: Session, *, plan: Plan, subscription: Subscription, now: datetime.datetime, demo_mode: bool
) -> BillEstimate | None:
    """Estimate the bill for the running month.

    Smart meters: the measured intervals so far, each at its own gross
    price, projected to the whole month at the same average cost per day.
    Intervals without a spot price are charged at the average of the priced
    ones. Analog meters: the estimated annual usage for the month's days at
    the average price of the month's published prices.

    Returns:
        The estimate, or None for a subscription that is not active or has no prices.
    """
    if subscription.status != "active" or subscription.grid_area_id is None:
        return None
    today = berlin_date(now)
    period_start, period_end = month_bounds(today)
    days_in_month = (period_end - period_start).days
    month_start_utc = datetime.datetime.combine(period_start, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)
    if demo_mode:
        days = [period_start + datetime.timedelta(days=offset) for offset in range((today - period_start).days + 1)]
        spot_prices.ensure_demo_prices(session, days=days, now=now)

    components = pricing.components_for(session, plan=plan, subscription=subscription, day=today)
    month_end_utc = datetime.datetime.combine(period_end, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)
    # The whole month's prices are shared by all customers; only those before now count.
    shared = _spot_by_start(session, start=month_start_utc, end=month_end_utc)
    prices = {moment: value for moment, value in shared.items() if moment < now}
    intervals = session.exec(
        select(ConsumptionInterval.start_at, ConsumptionInterval.energy_kwh)
        .where(ConsumptionInterval.subscription_id == subscription.id)
        .where(col(ConsumptionInterval.start_at) >= month_start_utc)
        .where(col(ConsumptionInterval.start_at) < now)
    ).all()

    energy_times_spot = Decimal(0)
    priced_kwh = Decimal(0)
    unpriced_kwh = Decimal(0)
    for start_at, energy_kwh in intervals:
        spot = _spot_for(prices, start_at)
        if spot is None:
            unpriced_kwh += energy_kwh
            continue
        energy_times_spot += energy_kwh * spot
        priced_kwh += energy_kwh
    priced_cost_ct = pricing.energy_cost_ct(
        energy_kwh=priced_kwh, energy_times_spot=energy_times_spot, components=components
    )

    if priced_kwh == 0 and not intervals:
        # No meter data this month: bill the estimated usage at the month's average price.
        month_prices = [
            pricing.compose_price(spot_eur_per_mwh=value[1], components=components) for value in prices.values()
        ]
        totals = [price.total_ct_per_kwh for price in month_prices if price is not None]
        if not totals:
            return None
        consumption = Decimal(subscription.estimated_usage) * days_in_month / Decimal(365)
        energy_ct = consumption * sum(totals) / len(totals)
        measured = False
    else:
        if priced_kwh == 0:
            return None
        average_ct = priced_cost_ct / priced_kwh
        measured_kwh = priced_kwh + unpriced_kwh
        measured_ct = priced_cost_ct + unpriced_kwh * average_ct
        latest_end = max(start_at for start_at, _energy_kwh in intervals) + datetime.timedelta(minutes=15)
        covered_days = Decimal((latest_end - month_start_utc).total_seconds()) / Decimal(86400)
        scale = Decimal(days_in_month) / covered_days
        consumption = measured_kwh * scale
        energy_ct = measured_ct * scale
        measured = True

    grid = session.get(GridArea, subscription.grid_area_id)
    gross = Decimal(1) + components.vat_rate
    monthly_fees_eur = plan.price + grid.grid_basic_fee_eur_per_year / Decimal(12) * gross
    amount = (energy_ct / Decimal(100) + monthly_fees_eur).quantize(EURO_CENT, rounding=ROUND_HALF_UP)
    return BillEstimate(
        issue_date=period_end,
        period_start=period_start,
        period_end=period_end,
        consumption_kwh=consumption.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        amount_eur=amount,
        measured=measured,
    )
