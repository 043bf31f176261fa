"""Contract terms the Nomos API does not model, cancellation requests and meter swaps."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class Termination(SQLModel, table=True):
    """A customer's cancellation request, with the Nomos API's reasons."""

    __tablename__ = "termination"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    # "ORDINARY", "MOVE_OUT" or "WITHDRAWAL".
    reason: str = Field(max_length=12)
    # Exclusive end of supply: 00:00 Europe/Berlin of the first day without supply.
    intended_end_at: datetime.datetime = Field(sa_type=UTCDateTime)
    # New address for the final bill, for MOVE_OUT.
    new_address_street: str = Field(default="", max_length=100)
    new_address_house_number: str = Field(default="", max_length=10)
    new_address_zip: str = Field(default="", max_length=5)
    new_address_city: str = Field(default="", max_length=100)
    # "pending" until the supplier confirms it, or "withdrawn" by the customer.
    status: str = Field(default="pending", max_length=10)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    withdrawn_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("reason IN ('ORDINARY', 'MOVE_OUT', 'WITHDRAWAL')", name="ck_termination_reason"),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'withdrawn')", name="ck_termination_status"),
    )


class MeterSwap(SQLModel, table=True):
    """A meter replaced at a supply point: the old meter's last and the new meter's first reading."""

    __tablename__ = "meter_swap"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    swapped_at: datetime.datetime = Field(sa_type=UTCDateTime)
    old_meter_number: str = Field(max_length=40)
    old_final_reading_kwh: Decimal = Field(max_digits=12, decimal_places=1)
    new_meter_number: str = Field(max_length=40)
    new_start_reading_kwh: Decimal = Field(max_digits=12, decimal_places=1)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
