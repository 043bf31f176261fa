"""Read customers' subscriptions, always scoped to one customer on one plan."""

from __future__ import annotations

import dataclasses
import datetime

from sqlmodel import Session

from nomos_portal.models import Customer, Subscription

# Largest primary key that SQLite and PostgreSQL (bigint) store; their drivers raise on larger integers.
MAX_ROW_ID = 2**63 - 1


class NotFoundError(LookupError):
    """Raised for an id that does not exist or is not the customer's on this plan.

    Both cases are deliberately the same error, so ids of other customers
    and other plans reveal nothing.
    """


def is_row_id(value: int) -> bool:
    """Whether an integer from a URL or form can be a primary key, so looking it up cannot raise."""
    return 0 < value <= MAX_ROW_ID


def owned_subscription(session: Session, *, plan_id: int, customer_id: int, subscription_id: int) -> Subscription:
    """Load a subscription only if it belongs to this customer on this plan.

    Raises:
        NotFoundError: Unknown id, or another customer's or plan's subscription.
    """
    subscription = session.get(Subscription, subscription_id) if is_row_id(subscription_id) else None
    if subscription is None or subscription.customer_id != customer_id or subscription.plan_id != plan_id:
        raise NotFoundError(f"subscription {subscription_id}")
    return subscription


@dataclasses.dataclass(frozen=True)
class SubscriptionSummary:
    """What the overview shows of one subscription, as stored."""

    id: int
    number: str
    status: str
    start_at: datetime.datetime | None
    end_at: datetime.datetime | None
    street: str
    house_number: str
    zip: str
    city: str
    meter_number: str
    meter_type: str
    malo: str
    melo: str
    estimated_usage: int


def summarize(subscription: Subscription) -> SubscriptionSummary:
    """Copy the displayed fields of a subscription into a plain value."""
    assert subscription.id is not None
    return SubscriptionSummary(
        id=subscription.id,
        number=subscription.number,
        status=subscription.status,
        start_at=subscription.start_at,
        end_at=subscription.end_at,
        street=subscription.address_street,
        house_number=subscription.address_house_number,
        zip=subscription.address_zip,
        city=subscription.address_city,
        meter_number=subscription.meter_number,
        meter_type=subscription.meter_type,
        malo=subscription.meter_malo,
        melo=subscription.meter_melo,
        estimated_usage=subscription.estimated_usage,
    )


def get_customer(session: Session, *, org_id: int, customer_id: int) -> Customer:
    """Load a customer of one org.

    Raises:
        NotFoundError: Unknown id or a customer of another org.
    """
    customer = session.get(Customer, customer_id) if is_row_id(customer_id) else None
    if customer is None or customer.org_id != org_id:
        raise NotFoundError(f"customer {customer_id}")
    return customer
