"""Meter data: smart-meter interval consumption and meter readings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class ConsumptionInterval(SQLModel, table=True):
    """Energy drawn in one interval of a smart meter."""

    __tablename__ = "consumption_interval"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id")
    start_at: datetime.datetime = Field(sa_type=UTCDateTime)
    resolution_minutes: int = Field(default=15)
    energy_kwh: Decimal = Field(max_digits=12, decimal_places=4)
    # "final", "preliminary" (may still be corrected) or "substitute" (estimated by the metering operator).
    state: str = Field(default="preliminary", max_length=12)

    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "start_at", name="uq_consumption_interval_subscription_start"),
        sa.CheckConstraint("state IN ('final', 'preliminary', 'substitute')", name="ck_consumption_interval_state"),
    )


class MeterReading(SQLModel, table=True):
    """A meter's register value at a point in time."""

    __tablename__ = "meter_reading"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    meter_number: str = Field(max_length=40)
    read_at: datetime.datetime = Field(sa_type=UTCDateTime)
    value_kwh: Decimal = Field(max_digits=12, decimal_places=1)
    # As in the Nomos API: "customer_report", "grid_reading" (read by the metering point
    # operator) or "grid_estimation".
    source: str = Field(default="customer_report", max_length=20)
    note: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # Client-chosen id of a form submission, so a retried or doubled submit stores one reading.
    submission_id: str | None = Field(default=None, max_length=64, sa_column_kwargs={"unique": True})
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ConsumptionDay(SQLModel, table=True):
    """A smart meter's intervals of one Berlin day, summed, so charts of weeks, months and years read days.

    The spot part of the cost is stored as the sum of kWh times EUR/MWh over the intervals
    that have a price. The plan's margin, grid fees, levies and VAT are added when the
    chart is drawn. `price_count` and `price_last_id` record which spot prices of the day
    the sum used: prices are only inserted, so a mismatch with the stored prices means
    the day is summed again. A `price_count` of -1 means the prices were never summed.
    """

    __tablename__ = "consumption_day"

    subscription_id: int = Field(foreign_key="subscription.id", primary_key=True)
    day: datetime.date = Field(primary_key=True)
    interval_count: int
    energy_kwh: float
    min_kwh: float
    max_kwh: float
    # The lowest-ranked state among the day's intervals, in the order "substitute", "preliminary", "final".
    state: str = Field(max_length=12)
    priced_count: int = 0
    priced_kwh: float = 0.0
    spot_eur_kwh_per_mwh: float = 0.0
    price_count: int = -1
    price_last_id: int | None = None
