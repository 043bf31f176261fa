"""Invoices of a subscription and their line items, named as in the Nomos API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class Invoice(SQLModel, table=True):
    """A usage bill, a prepayment request or the void document that cancels an earlier invoice.

    Field names follow the Nomos API: `usage` is in kWh and `total` in EUR including VAT.
    A void document carries the negated lines and total of the invoice it cancels.
    """

    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    invoice_number: str = Field(max_length=60)
    # "usage", "prepayment" or "void".
    type: str = Field(default="usage", max_length=12)
    # The cancelled invoice, set on void documents only.
    voids_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    # "open", "paid", "voided" or "uncollectible".
    status: str = Field(default="open", max_length=14)
    # Billing period in UTC from 00:00 Europe/Berlin of the first day to 00:00 of the day after the last, end exclusive.
    period_start: datetime.datetime = Field(sa_type=UTCDateTime)
    period_end: datetime.datetime = Field(sa_type=UTCDateTime)
    # Running number of the billing period within the subscription, starting at 1.
    period_number: int = Field(default=1)
    month: int = Field(ge=1, le=12)
    year: int
    issued_at: datetime.datetime = Field(sa_type=UTCDateTime)
    due_at: datetime.datetime = Field(sa_type=UTCDateTime)
    paid_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    usage: Decimal = Field(default=Decimal("0"), max_digits=12, decimal_places=3)
    total: Decimal = Field(default=Decimal("0"), max_digits=12, decimal_places=2)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("invoice_number", name="uq_invoice_invoice_number"),
        sa.CheckConstraint("type IN ('usage', 'prepayment', 'void')", name="ck_invoice_type"),
        sa.CheckConstraint("status IN ('open', 'paid', 'voided', 'uncollectible')", name="ck_invoice_status"),
        sa.CheckConstraint("(type = 'void') = (voids_invoice_id IS NOT NULL)", name="ck_invoice_void_target"),
        sa.Index("ix_invoice_subscription_issued", "subscription_id", "issued_at"),
    )


class InvoiceLine(SQLModel, table=True):
    """One line item of an invoice. Amounts are in EUR, the net rounded to the cent."""

    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    # Order on the invoice, starting at 1.
    position: int
    # "energy", "basic_price" or "grid_basic_fee".
    kind: str = Field(max_length=20)
    # Catalogue key of the description and its parameters as a JSON object.
    # `description_text` is shown instead when the key is empty.
    description_key: str = Field(default="", max_length=80)
    description_params: str = Field(default="{}", max_length=500)
    description_text: str = Field(default="", max_length=200)
    quantity: Decimal = Field(max_digits=14, decimal_places=4)
    # "kWh" or "month".
    unit: str = Field(max_length=10)
    unit_price_net: Decimal = Field(max_digits=14, decimal_places=6)
    net_eur: Decimal = Field(max_digits=12, decimal_places=2)
    vat_rate: Decimal = Field(max_digits=5, decimal_places=4)
    gross_eur: Decimal = Field(max_digits=12, decimal_places=2)

    __table_args__ = (sa.UniqueConstraint("invoice_id", "position", name="uq_invoice_line_invoice_position"),)
