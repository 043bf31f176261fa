"""Messages sent to an org's customer service through the portal's contact form."""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nomos_portal.models.base import UTCDateTime, utc_now


class SupportMessage(SQLModel, table=True):
    """A contact-form message as sent to customer service; the rows also count messages for the rate limit."""

    __tablename__ = "support_message"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id")
    # None for visitors who are not signed in.
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    # The sender's address, which customer service replies to.
    email: str = Field(max_length=254)
    topic: str = Field(max_length=20)
    # Invoice or contract number the message is about, as entered.
    reference: str = Field(default="", max_length=40)
    message: str = Field(max_length=4000)
    created_at: datetime.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    __table_args__ = (
        sa.Index("ix_support_message_plan_customer_created", "plan_id", "customer_id", "created_at"),
        sa.Index("ix_support_message_plan_email_created", "plan_id", "email", "created_at"),
    )
