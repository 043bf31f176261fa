"""Customers, their subscriptions and payment methods, named as in the Nomos API."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class Customer(SQLModel, table=True):
    """A person or company supplied by an org."""

    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    # "person" or "company".
    type: str = Field(default="person", max_length=10)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    company_name: str = Field(default="", max_length=200)
    # Stored trimmed and in lower case; sign-in matches on this form.
    email: str = Field(max_length=254)
    vat_id: str = Field(default="", max_length=20)
    phone: str = Field(default="", max_length=40)
    # Language of emails and the default UI language: "de" or "en".
    locale: str = Field(default="de", max_length=5)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("org_id", "email", name="uq_customer_org_email"),
        sa.CheckConstraint("type IN ('person', 'company')", name="ck_customer_type"),
    )


class Subscription(SQLModel, table=True):
    """A customer's supply contract on one plan, with its delivery point and meter."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    # "pending", "active" or "ended".
    status: str = Field(default="pending", max_length=10)
    # Expected consumption in kWh per year.
    estimated_usage: int = Field(default=0, ge=0)
    start_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    terminated_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    # Delivery address: the supply point.
    address_street: str = Field(max_length=100)
    address_house_number: str = Field(max_length=10)
    address_zip: str = Field(max_length=5)
    address_city: str = Field(max_length=100)

    # Billing address; empty fields mean the delivery address is used.
    billing_address_street: str = Field(default="", max_length=100)
    billing_address_house_number: str = Field(default="", max_length=10)
    billing_address_zip: str = Field(default="", max_length=5)
    billing_address_city: str = Field(default="", max_length=100)

    meter_number: str = Field(default="", max_length=40)
    # "smart" or "analog".
    meter_type: str = Field(default="analog", max_length=10)
    # Market location id (MaLo, 11 digits) and meter location id (MeLo, 33 characters).
    meter_malo: str = Field(default="", max_length=11)
    meter_melo: str = Field(default="", max_length=33)
    grid_area_id: int | None = Field(default=None, foreign_key="grid_area.id")

    # When the supplier confirmed the contract; the 14-day withdrawal period starts then.
    confirmed_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Overrides of the plan's contract terms; None takes the plan's.
    minimum_term_months: int | None = Field(default=None)
    notice_period: int | None = Field(default=None)
    notice_period_unit: str | None = Field(default=None, max_length=6)

    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'active', 'ended')", name="ck_subscription_status"),
        sa.CheckConstraint("meter_type IN ('smart', 'analog')", name="ck_subscription_meter_type"),
    )


class PaymentMethod(SQLModel, table=True):
    """How a subscription pays: SEPA direct debit with an encrypted IBAN, or bank transfer.

    A change adds a row and marks the previous one replaced, so the mandate history stays.
    """

    __tablename__ = "payment_method"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    # "sepa_debit" or "bank_transfer".
    type: str = Field(default="sepa_debit", max_length=20)
    account_holder: str = Field(default="", max_length=100)
    # Fernet token of the normalised IBAN; never stored or logged in clear.
    iban_encrypted: str = Field(default="", max_length=500)
    # Masked form for display, e.g. "DE89 **** **** **** **30 00".
    iban_masked: str = Field(default="", max_length=50)
    # Bank of the IBAN as the schwifty registry names it; empty when unknown.
    bank_name: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    bic: str = Field(default="", max_length=11, sa_column_kwargs={"server_default": ""})
    # SEPA mandate reference (at most 35 characters) and the moment the customer accepted the mandate.
    mandate_reference: str = Field(default="", max_length=35, sa_column_kwargs={"server_default": ""})
    mandate_signed_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when a newer payment method took over; the row without it is the current one.
    replaced_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
