"""Product orders: the smart-meter rollout of a supply point and add-on products such as § 14a EnWG modules."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class MeterOrder(SQLModel, table=True):
    """A smart meter ordered for a supply point, following the Nomos rollout lifecycle."""

    __tablename__ = "meter_order"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    # "created", "placed", "check_submitted", "check_reviewed", "scheduled", "installed",
    # "activated" or "cancelled".
    status: str = Field(default="created", max_length=20)
    # The metering point operator who installs and runs the meter.
    provider: str = Field(default="", max_length=120)
    # Installation appointment, set once the order is "scheduled".
    appointment_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why the order waits, if it does: "check_missing" or "grid_operator_registration".
    blocked_reason: str | None = Field(default=None, max_length=30)
    cancelled_reason: str = Field(default="", max_length=500)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    # Time of the last change of status, appointment or block.
    updated_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('created', 'placed', 'check_submitted', 'check_reviewed', 'scheduled', "
            "'installed', 'activated', 'cancelled')",
            name="ck_meter_order_status",
        ),
        sa.CheckConstraint(
            "blocked_reason IS NULL OR blocked_reason IN ('check_missing', 'grid_operator_registration')",
            name="ck_meter_order_blocked_reason",
        ),
    )


class ProductOrder(SQLModel, table=True):
    """An add-on product booked for a subscription, e.g. a § 14a EnWG grid-fee reduction."""

    __tablename__ = "product_order"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    # Product code as in the Nomos API, e.g. "enwg-14a-module-1".
    product_code: str = Field(max_length=60)
    # Name from the supplier's system, shown for codes the portal has no text for.
    name: str = Field(default="", max_length=120)
    # "intended", "ordered", "rejected", "activated" or "ended".
    status: str = Field(default="intended", max_length=10)
    valid_from: datetime.date | None = Field(default=None)
    valid_until: datetime.date | None = Field(default=None)
    # Expected saving per year in euros, if the supplier provides it.
    saving_eur_per_year: Decimal | None = Field(default=None, max_digits=10, decimal_places=2)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('intended', 'ordered', 'rejected', 'activated', 'ended')", name="ck_product_order_status"
        ),
    )
