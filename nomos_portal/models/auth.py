"""Sign-in codes, portal sessions, API keys and single sign-on links."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class SignInCode(SQLModel, table=True):
    """A six-digit sign-in code requested for an email on one plan.

    A row is written for unknown emails too, holding a code that is never
    sent, so that throttling and answers are the same for every address.
    """

    __tablename__ = "sign_in_code"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    # Trimmed, lower-case email as entered.
    email: str = Field(max_length=254)
    # None when the email belongs to no customer of the plan.
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # HMAC-SHA256 of the code, keyed with the secret key; the code itself is never stored.
    code_hash: str = Field(max_length=64)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime.datetime = Field(sa_type=UTCDateTime)
    failed_attempts: int = Field(default=0)
    used_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_sign_in_code_plan_email_created", "plan_id", "email", "created_at"),)


class PortalSession(SQLModel, table=True):
    """A signed-in browser, bound to the plan whose host it signed in on."""

    __tablename__ = "portal_session"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the session token that the browser keeps in an HttpOnly cookie.
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    plan_id: int = Field(foreign_key="plan.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    # The subscription the customer works on; None until one is chosen.
    subscription_id: int | None = Field(default=None, foreign_key="subscription.id")
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime.datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # SHA-256 of a single-use ticket that the cookie route exchanges for the cookie.
    handoff_hash: str | None = Field(default=None, max_length=64, index=True)
    handoff_expires_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    """A key with which an org's backend calls the portal's HTTP API, e.g. to mint sign-in links."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    # Public part of the key, readable in the key itself, so listings and logs can name a key.
    prefix: str = Field(max_length=16)
    # SHA-256 of the whole key; the key itself is printed once at creation and never stored.
    key_hash: str = Field(max_length=64)
    label: str = Field(default="", max_length=100)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    last_used_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("prefix", name="uq_api_key_prefix"),)


class SignInLink(SQLModel, table=True):
    """A single-use sign-in link for one customer on one plan, minted for single sign-on."""

    __tablename__ = "sign_in_link"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    # The key that minted the link; None for links minted with the operator command.
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    # SHA-256 of the link's token; the token itself exists only in the link.
    token_hash: str = Field(max_length=64)
    # Local path the browser goes to after signing in.
    next_path: str = Field(default="/overview", max_length=500)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: datetime.datetime = Field(sa_type=UTCDateTime)
    used_at: datetime.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("token_hash", name="uq_sign_in_link_token_hash"),)
