"""Orgs (suppliers with their brand) and plans (one portal tenant each)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class Org(SQLModel, table=True):
    """An energy supplier: its name, logo and support channel."""

    __tablename__ = "org"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # An asset path such as "/brands/acme-power.svg" or an https:// URL.
    logo: str = Field(max_length=500)
    support_email: str = Field(max_length=254)
    support_phone: str = Field(default="", max_length=40)
    support_hours: str = Field(default="", max_length=200)
    support_url: str = Field(default="", max_length=500)
    # SEPA creditor identifier (Gläubiger-ID) printed on direct-debit mandates; empty disables new mandates.
    sepa_creditor_id: str = Field(default="", max_length=35, sa_column_kwargs={"server_default": ""})
    # Postal address and VAT id, which German invoices must name (§ 14 UStG); empty until the operator sets them.
    address_street: str = Field(default="", max_length=120, sa_column_kwargs={"server_default": ""})
    address_zip: str = Field(default="", max_length=10, sa_column_kwargs={"server_default": ""})
    address_city: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    vat_id: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    # Operator commands name orgs by name, so a name may belong to one org only. A unique index
    # rather than a constraint lets the migration add it without rebuilding the table on SQLite.
    __table_args__ = (sa.Index("ix_org_name", "name", unique=True),)


class Plan(SQLModel, table=True):
    """A supplier's tariff plan, as in the Nomos API; its slug names the portal's subdomain."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=63, sa_column_kwargs={"unique": True})
    description: str = Field(default="", max_length=1000)
    # Monthly base fee including VAT.
    price: Decimal = Field(default=Decimal("0"), max_digits=10, decimal_places=2)
    currency: str = Field(default="EUR", max_length=3)
    # "consumption" or "feed_in".
    type: str = Field(default="consumption", max_length=20)
    # Supplier's procurement margin on top of the spot price, ct/kWh net of VAT.
    procurement_margin_ct_per_kwh: Decimal = Field(
        default=Decimal("0"), max_digits=8, decimal_places=4, sa_column_kwargs={"server_default": "0"}
    )

    # Contract terms, which the Nomos API does not model; a subscription may override them.
    minimum_term_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    notice_period: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # "weeks" or "months".
    notice_period_unit: str = Field(default="months", max_length=6, sa_column_kwargs={"server_default": "months"})
    # Whether a contract can only end at the end of a calendar month.
    notice_to_month_end: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # Whether customers may pay by bank transfer instead of SEPA direct debit.
    allows_bank_transfer: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    # Branding, which the Nomos API does not model. Colours are "#rrggbb".
    color_primary: str = Field(max_length=7)
    color_accent: str = Field(max_length=7)
    color_surface: str = Field(max_length=7)
    font_family: str = Field(max_length=100)
    font_stylesheet_url: str = Field(default="", max_length=500)

    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (sa.CheckConstraint("type IN ('consumption', 'feed_in')", name="ck_plan_type"),)
