"""The account page's audit log and the codes that confirm a new sign-in email."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class AuditLogEntry(SQLModel, table=True):
    """One changed field of a customer's account: who changed it, when, and the values before and after.

    Sensitive values (IBANs) are stored masked, never in clear.
    """

    __tablename__ = "audit_log_entry"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    # Set for per-subscription fields such as the billing address and the payment method.
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id")
    # Name of the changed field, e.g. "email", "billing_address_zip" or "iban".
    field: str = Field(max_length=40)
    old_value: str = Field(default="", max_length=300)
    new_value: str = Field(default="", max_length=300)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class EmailChangeCode(SQLModel, table=True):
    """A six-digit code sent to a new email address; the address changes only once it is entered."""

    __tablename__ = "email_change_code"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    customer_id: int = Field(foreign_key="customer.id")
    # Trimmed, lower-case new address.
    new_email: str = Field(max_length=254)
    # HMAC-SHA256 of the code bound to plan and new email, as for sign-in codes.
    code_hash: str = Field(max_length=64)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime.datetime = Field(sa_type=UTCDateTime)
    failed_attempts: int = Field(default=0)
    used_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_email_change_code_customer_created", "customer_id", "created_at"),)
