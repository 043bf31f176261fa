"""Meter data for the portal: demo interval consumption, the latest value and the latest reading."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import zlib
from decimal import Decimal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import ConsumptionInterval, MeterReading, Subscription
from nomos_portal.services import consumption_days, household_series, load_profile
from nomos_portal.services.spot_prices import BERLIN, berlin_date

logger = logging.getLogger(__name__)

DEMO_HISTORY_DAYS = 365
# Spread of the day-to-day noise laid over the load profile, so demo days differ from each other.
DEMO_NOISE = 0.15
KWH = Decimal("0.0001")
# The demo customer whose smart meter replays the real OPSD household series.
REAL_SERIES_SUBSCRIPTION = "ACME-100003"


@dataclasses.dataclass(frozen=True)
class LatestConsumption:
    """The newest stored interval of a smart meter."""

    start_at: datetime.datetime
    end_at: datetime.datetime
    energy_kwh: Decimal
    state: str


@dataclasses.dataclass(frozen=True)
class LatestReading:
    """The newest register reading of a meter."""

    read_at: datetime.datetime
    value_kwh: Decimal
    source: str


def latest_consumption(session: Session, *, subscription_id: int) -> LatestConsumption | None:
    """Return the newest interval of a subscription's smart meter, or None without data."""
    row = session.exec(
        select(ConsumptionInterval)
        .where(ConsumptionInterval.subscription_id == subscription_id)
        .order_by(col(ConsumptionInterval.start_at).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return LatestConsumption(
        start_at=row.start_at,
        end_at=row.start_at + datetime.timedelta(minutes=row.resolution_minutes),
        energy_kwh=row.energy_kwh,
        state=row.state,
    )


def latest_reading(session: Session, *, subscription_id: int) -> LatestReading | None:
    """Return the newest meter reading of a subscription, or None."""
    row = session.exec(
        select(MeterReading)
        .where(MeterReading.subscription_id == subscription_id)
        .order_by(col(MeterReading.read_at).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return LatestReading(read_at=row.read_at, value_kwh=row.value_kwh, source=row.source)


def demo_series(subscription: Subscription, *, start: datetime.date, end: datetime.date, seed: int) -> pd.Series:
    """Demo quarter-hour consumption in kWh for local days start..end (exclusive).

    One demo subscription replays the real OPSD household. Every other one
    follows the BDEW H0 profile scaled to its estimated annual usage, times a
    daily factor drawn from a generator seeded by `seed` and the subscription
    number. The same seed always gives the same series.
    """
    if subscription.number == REAL_SERIES_SUBSCRIPTION:
        return household_series.real_household_consumption_kwh(start=start, end=end)
    profile = load_profile.profile_consumption_kwh(start=start, end=end, annual_kwh=subscription.estimated_usage)
    rng = np.random.default_rng([seed, zlib.crc32(subscription.number.encode())])
    local_days = profile.index.tz_convert(BERLIN).normalize()
    unique_days = local_days.unique()
    factors = pd.Series(rng.normal(1.0, DEMO_NOISE, len(unique_days)).clip(0.5, 1.6), index=unique_days)
    return profile * factors.reindex(local_days).to_numpy()


def interval_state(start_at: datetime.datetime, *, now: datetime.datetime) -> str:
    """Data state of a demo interval: final once its month is over, preliminary before."""
    local_now = now.astimezone(BERLIN)
    month_start = datetime.datetime(local_now.year, local_now.month, 1, tzinfo=BERLIN)
    return "final" if start_at < month_start else "preliminary"


def ensure_demo_consumption(
    session: Session, *, subscription: Subscription, now: datetime.datetime, seed: int = 2026
) -> int:
    """Fill a smart meter's intervals up to the end of yesterday, as meter operators deliver them daily.

    Starts a year back when the meter has no data yet, otherwise the day after
    its newest interval. Intervals the series has no value for stay missing.

    Returns:
        The number of intervals added.
    """
    if subscription.meter_type != "smart" or subscription.id is None:
        return 0
    today = berlin_date(now)
    latest = latest_consumption(session, subscription_id=subscription.id)
    start = berlin_date(latest.end_at) if latest else today - datetime.timedelta(days=DEMO_HISTORY_DAYS)
    if subscription.start_at is not None:
        start = max(start, berlin_date(subscription.start_at))
    if start >= today:
        return 0
    series = demo_series(subscription, start=start, end=today, seed=seed).dropna()
    if latest is not None:
        series = series[series.index >= pd.Timestamp(latest.end_at)]
    rows = [
        {
            "subscription_id": subscription.id,
            "start_at": moment.to_pydatetime(),
            "resolution_minutes": 15,
            "energy_kwh": Decimal(repr(float(value))).quantize(KWH),
            "state": interval_state(moment.to_pydatetime(), now=now),
        }
        for moment, value in series.items()
    ]
    if rows:
        try:
            session.execute(sa.insert(ConsumptionInterval), rows)
            consumption_days.refresh_days(
                session,
                subscription_id=subscription.id,
                first=berlin_date(rows[0]["start_at"]),
                last=berlin_date(rows[-1]["start_at"]),
            )
            session.commit()
        except sa.exc.IntegrityError:
            # Two tabs of one customer topped up the same days at once; the other one's rows equal these.
            session.rollback()
            logger.info("Demo intervals for subscription %s were added by a concurrent request", subscription.id)
            return 0
        logger.info("Added %d demo intervals for subscription %s", len(rows), subscription.id)
    return len(rows)


def seed_demo_readings(session: Session, *, subscription: Subscription, now: datetime.datetime) -> int:
    """Give a meter without readings its demo readings; returns how many were added.

    An analog meter gets yearly operator readings and a customer reading, rising by
    the estimated annual usage spread over the days between them. A smart meter gets
    the register reading taken when its interval data begins; `register_value_at`
    counts on from there.
    """
    if subscription.meter_type == "smart":
        return _seed_commissioning_reading(session, subscription=subscription)
    if subscription.id is None or subscription.start_at is None:
        return 0
    if latest_reading(session, subscription_id=subscription.id) is not None:
        return 0
    start = subscription.start_at
    if start > now:
        return 0
    per_day = Decimal(subscription.estimated_usage) / Decimal(365)
    moments = [start]
    yearly = start
    while (yearly := yearly + datetime.timedelta(days=365)) < now:
        moments.append(yearly)
    customer_reading = now - datetime.timedelta(days=12)
    if customer_reading > moments[-1]:
        moments.append(customer_reading)
    first_value = Decimal("10234.0")
    for moment in moments:
        days = Decimal((moment - start).days)
        session.add(
            MeterReading(
                subscription_id=subscription.id,
                meter_number=subscription.meter_number,
                read_at=moment,
                value_kwh=(first_value + per_day * days).quantize(Decimal("0.1")),
                source="customer_report" if moment == customer_reading else "grid_reading",
            )
        )
    session.commit()
    return len(moments)


# Register value of each demo smart meter when its interval data begins, in years of its estimated usage.
DEMO_SMART_METER_AGE_YEARS = 3


def _seed_commissioning_reading(session: Session, *, subscription: Subscription) -> int:
    if subscription.id is None or latest_reading(session, subscription_id=subscription.id) is not None:
        return 0
    first = session.exec(
        select(sa.func.min(ConsumptionInterval.start_at)).where(ConsumptionInterval.subscription_id == subscription.id)
    ).one()
    if first is None:
        return 0
    session.add(
        MeterReading(
            subscription_id=subscription.id,
            meter_number=subscription.meter_number,
            read_at=first,
            value_kwh=Decimal(subscription.estimated_usage * DEMO_SMART_METER_AGE_YEARS),
            source="grid_reading",
        )
    )
    session.commit()
    return 1


def _newest_reading_until(session: Session, *, subscription_id: int, moment: datetime.datetime) -> MeterReading | None:
    return session.exec(
        select(MeterReading)
        .where(MeterReading.subscription_id == subscription_id)
        .where(MeterReading.read_at <= moment)
        .order_by(col(MeterReading.read_at).desc())
        .limit(1)
    ).first()


def _interval_totals(
    session: Session, *, subscription_id: int, start: datetime.datetime, end: datetime.datetime
) -> tuple[int, int, Decimal]:
    """Sum a subscription's intervals from `start` to `end`: their count, covered minutes and energy in kWh."""
    count, minutes, energy = session.exec(
        select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(ConsumptionInterval.resolution_minutes), 0),
            sa.func.coalesce(sa.func.sum(ConsumptionInterval.energy_kwh), 0),
        )
        .where(ConsumptionInterval.subscription_id == subscription_id)
        .where(ConsumptionInterval.start_at >= start)
        .where(ConsumptionInterval.start_at < end)
    ).one()
    return int(count), int(minutes), Decimal(str(energy))


def record_register_reading(session: Session, *, subscription: Subscription, moment: datetime.datetime) -> bool:
    """Store a smart meter's register value at a moment as a grid reading, as its metering operator reports it.

    The value is the newest earlier reading plus every interval measured since then.
    Where the interval data has gaps, the energy of the gaps is missing from the value,
    so consecutive readings differ by exactly the consumption that was billed.
    The caller commits.

    Returns:
        Whether a reading was added: False for other meters, an existing reading at
        that moment, or no earlier reading to start from.
    """
    if subscription.id is None or subscription.meter_type != "smart":
        return False
    base = _newest_reading_until(session, subscription_id=subscription.id, moment=moment)
    if base is None or base.read_at == moment:
        return False
    _count, _minutes, energy = _interval_totals(
        session, subscription_id=subscription.id, start=base.read_at, end=moment
    )
    session.add(
        MeterReading(
            subscription_id=subscription.id,
            meter_number=subscription.meter_number,
            read_at=moment,
            value_kwh=(base.value_kwh + energy).quantize(Decimal("0.1")),
            source="grid_reading",
        )
    )
    session.flush()
    return True


def register_value_at(session: Session, *, subscription: Subscription, moment: datetime.datetime) -> Decimal | None:
    """Return the meter's register value (kWh) at a moment, or None when it cannot be known.

    A reading taken at that moment gives it directly. For a smart meter, the newest
    earlier reading plus the intervals measured since then gives it too, provided
    the intervals cover that time without gaps. Otherwise the value stays unknown
    rather than being guessed.
    """
    if subscription.id is None:
        return None
    base = _newest_reading_until(session, subscription_id=subscription.id, moment=moment)
    if base is None:
        return None
    if base.read_at == moment:
        return base.value_kwh
    if subscription.meter_type != "smart":
        return None
    count, minutes, energy = _interval_totals(session, subscription_id=subscription.id, start=base.read_at, end=moment)
    if count == 0 or datetime.timedelta(minutes=minutes) != moment - base.read_at:
        return None
    return (base.value_kwh + energy).quantize(Decimal("0.1"))
