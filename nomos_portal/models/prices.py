"""Day-ahead spot prices and the price components that turn them into a customer's price."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class SpotPrice(SQLModel, table=True):
    """One day-ahead auction price for a delivery interval of 15 or 60 minutes."""

    __tablename__ = "spot_price"

    id: int | None = Field(default=None, primary_key=True)
    bidding_zone: str = Field(default="DE-LU", max_length=10)
    start_at: datetime.datetime = Field(sa_type=UTCDateTime)
    resolution_minutes: int = Field(default=15)
    price_eur_per_mwh: Decimal = Field(max_digits=10, decimal_places=2)
    # True for real historic prices replayed onto another day in demo mode.
    is_demo: bool = Field(default=False)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("bidding_zone", "start_at", "is_demo", name="uq_spot_price_zone_start_demo"),
        sa.CheckConstraint("resolution_minutes IN (15, 60)", name="ck_spot_price_resolution"),
    )


class GridArea(SQLModel, table=True):
    """A distribution grid operator's network charges for household (SLP, low voltage) customers, net of VAT."""

    __tablename__ = "grid_area"

    id: int | None = Field(default=None, primary_key=True)
    operator: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    grid_fee_ct_per_kwh: Decimal = Field(max_digits=8, decimal_places=4)
    grid_basic_fee_eur_per_year: Decimal = Field(max_digits=10, decimal_places=2)
    # Konzessionsabgabe, which depends on the municipality's size (KAV § 2).
    concession_levy_ct_per_kwh: Decimal = Field(max_digits=8, decimal_places=4)
    metering_fee_eur_per_year: Decimal = Field(default=Decimal("0"), max_digits=10, decimal_places=2)


class Levy(SQLModel, table=True):
    """A nationwide levy or tax per kWh, net of VAT, valid from a date until the next entry of the same code."""

    __tablename__ = "levy"

    id: int | None = Field(default=None, primary_key=True)
    # "kwkg", "stromnev_19", "offshore" or "electricity_tax".
    code: str = Field(max_length=30)
    valid_from: datetime.date
    ct_per_kwh: Decimal = Field(max_digits=8, decimal_places=4)

    __table_args__ = (sa.UniqueConstraint("code", "valid_from", name="uq_levy_code_valid_from"),)
