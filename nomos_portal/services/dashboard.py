"""Figures for the dashboard: a day's customer prices, the best times to use power."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from sqlmodel import Session

from nomos_portal.models import Plan, Subscription
from nomos_portal.services import pricing, spot_prices

HINT_HOURS = (1, 2, 3)


@dataclasses.dataclass(frozen=True)
class PriceSlot:
    """One interval of a day with the customer's gross price, None where no spot price exists."""

    start_at: datetime.datetime
    end_at: datetime.datetime
    price: pricing.CustomerPrice | None


@dataclasses.dataclass(frozen=True)
class DayPrices:
    """A Berlin day's customer prices, or the fact that they are not published yet."""

    day: datetime.date
    published: bool
    is_demo: bool
    slots: list[PriceSlot]

    @property
    def priced(self) -> list[tuple[datetime.datetime, datetime.datetime, Decimal | None]]:
        """(start, end, gross ct/kWh) per slot, the input of window searches."""
        return [
            (slot.start_at, slot.end_at, slot.price.total_ct_per_kwh if slot.price else None) for slot in self.slots
        ]


def day_prices(
    session: Session,
    *,
    plan: Plan,
    subscription: Subscription,
    day: datetime.date,
    now: datetime.datetime,
    demo_mode: bool,
) -> DayPrices:
    """Load a day's spot prices and turn them into the subscription's gross prices.

    In demo mode, real historic prices are replayed onto the day first (for
    tomorrow only after the publication time). A day without any stored
    price counts as not published; single missing intervals stay gaps.
    """
    if demo_mode:
        spot_prices.ensure_demo_prices(session, days=[day], now=now)
    points = spot_prices.prices_for_day(session, day=day)
    if not points:
        return DayPrices(day=day, published=False, is_demo=demo_mode, slots=[])
    components = pricing.components_for(session, plan=plan, subscription=subscription, day=day)
    slots = [
        PriceSlot(
            start_at=point.start_at,
            end_at=point.end_at,
            price=pricing.compose_price(spot_eur_per_mwh=point.price_eur_per_mwh, components=components),
        )
        for point in spot_prices.with_gaps(points, day=day)
    ]
    return DayPrices(day=day, published=True, is_demo=any(point.is_demo for point in points), slots=slots)


def current_slot_index(prices: DayPrices, *, now: datetime.datetime) -> int | None:
    """Index of the slot that contains now, or None when now is outside the day."""
    for index, slot in enumerate(prices.slots):
        if slot.start_at <= now < slot.end_at:
            return index
    return None


def best_windows(
    days: list[DayPrices], *, now: datetime.datetime, hours: tuple[int, ...] = HINT_HOURS
) -> dict[int, spot_prices.PriceWindow | None]:
    """Find the cheapest contiguous windows of 1, 2 and 3 hours in the published prices still ahead.

    The interval running now counts as ahead, so a window may start in it.
    """
    points = [point for day in days if day.published for point in day.priced]
    points = [point for point in points if point[1] > now]
    return {length: spot_prices.best_window(points, hours=length) for length in hours}


def next_publication(now: datetime.datetime) -> datetime.datetime:
    """When tomorrow's prices are due at the latest, in Berlin time."""
    local = now.astimezone(spot_prices.BERLIN)
    moment = datetime.datetime.combine(local.date(), spot_prices.LATEST_PUBLICATION_TIME, tzinfo=spot_prices.BERLIN)
    return moment
