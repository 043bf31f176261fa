"""Portal sessions: opaque tokens in an HttpOnly cookie, stored hashed and bound to a plan."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import secrets

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import Customer, Plan, PortalSession, Subscription
from nomos_portal.services.customers import is_row_id

logger = logging.getLogger(__name__)

SESSION_COOKIE = "nomos_session"
SESSION_LIFETIME = datetime.timedelta(days=30)
HANDOFF_LIFETIME = datetime.timedelta(minutes=2)
# 32 random bytes: 256 bits, above the 128 bits a session token needs.
TOKEN_BYTES = 32


class HandoffError(Exception):
    """Raised when a sign-in ticket is unknown, used, expired or for another plan."""


def hash_token(token: str) -> str:
    """SHA-256 of a random token; tokens carry enough entropy for an unkeyed hash."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class NewSession:
    """A session just created, with the single-use ticket that sets its cookie."""

    session_id: int
    token: str
    handoff_ticket: str


@dataclasses.dataclass(frozen=True)
class ActiveSession:
    """A valid session for the current request."""

    session_id: int
    customer_id: int
    plan_id: int
    subscription_id: int | None


def create_session(session: Session, *, plan: Plan, customer: Customer, now: datetime.datetime) -> NewSession:
    """Start a session for a customer who has just entered a valid code.

    The token only reaches the browser through the cookie route, which
    exchanges the returned ticket for it; a customer with a single
    subscription on the plan has it chosen already.
    """
    assert plan.id is not None and customer.id is not None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    ticket = secrets.token_urlsafe(TOKEN_BYTES)
    subscriptions = list_subscriptions(session, plan_id=plan.id, customer_id=customer.id)
    row = PortalSession(
        token_hash=hash_token(token),
        plan_id=plan.id,
        customer_id=customer.id,
        subscription_id=subscriptions[0].id if len(subscriptions) == 1 else None,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        handoff_hash=hash_token(ticket),
        handoff_expires_at=now + HANDOFF_LIFETIME,
    )
    session.add(row)
    session.commit()
    assert row.id is not None
    return NewSession(session_id=row.id, token=token, handoff_ticket=ticket)


def exchange_handoff(session: Session, *, ticket: str, plan: Plan, now: datetime.datetime) -> tuple[str, PortalSession]:
    """Trade a sign-in ticket for a fresh session token, once.

    A new token is drawn here, so the token exists in clear only in this
    response's cookie.

    Raises:
        HandoffError: The ticket is unknown, used, expired or from another plan.
    """
    row = session.exec(select(PortalSession).where(PortalSession.handoff_hash == hash_token(ticket))).first()
    if row is None or row.plan_id != plan.id or row.revoked_at is not None:
        raise HandoffError("unknown ticket")
    if row.handoff_expires_at is None or now >= row.handoff_expires_at:
        raise HandoffError("expired ticket")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row.token_hash = hash_token(token)
    row.handoff_hash = None
    row.handoff_expires_at = None
    session.add(row)
    session.commit()
    return token, row


def load_session(session: Session, *, token: str | None, plan: Plan, now: datetime.datetime) -> ActiveSession | None:
    """Find the live session for a token on this plan's host.

    Returns:
        The session, or None when the token is missing, unknown, expired,
        revoked or belongs to another plan.
    """
    if not token:
        return None
    row = session.exec(select(PortalSession).where(PortalSession.token_hash == hash_token(token))).first()
    return _live(row, plan=plan, now=now)


def _live(row: PortalSession | None, *, plan: Plan, now: datetime.datetime) -> ActiveSession | None:
    """Return the live session of a stored row, or None when the row is missing, revoked, expired or another plan's."""
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return None
    if row.plan_id != plan.id:
        logger.warning("Session %s presented on plan %s, bound to plan %s", row.id, plan.id, row.plan_id)
        return None
    assert row.id is not None
    return ActiveSession(
        session_id=row.id,
        customer_id=row.customer_id,
        plan_id=row.plan_id,
        subscription_id=row.subscription_id,
    )


@dataclasses.dataclass(frozen=True)
class SignedIn:
    """A valid session with what every page shows of its customer."""

    active: ActiveSession
    customer: Customer
    subscription_count: int


def load_signed_in(session: Session, *, token: str | None, plan: Plan, now: datetime.datetime) -> SignedIn | None:
    """`load_session` with the customer and the number of their subscriptions on the plan, in one query.

    Every event of a signed-in tab checks its session, so this saves two round trips per event.
    """
    if not token:
        return None
    count = (
        select(sa.func.count(col(Subscription.id)))
        .where(Subscription.plan_id == plan.id)
        .where(Subscription.customer_id == PortalSession.customer_id)
        .scalar_subquery()
    )
    found = session.exec(
        select(PortalSession, Customer, count)
        .join(Customer, col(Customer.id) == PortalSession.customer_id)
        .where(PortalSession.token_hash == hash_token(token))
    ).first()
    if found is None:
        return None
    row, customer, subscription_count = found
    active = _live(row, plan=plan, now=now)
    if active is None:
        return None
    return SignedIn(active=active, customer=customer, subscription_count=int(subscription_count))


def revoke_session(session: Session, *, token: str | None, now: datetime.datetime) -> bool:
    """End a session server-side; returns whether a live session was revoked."""
    if not token:
        return False
    row = session.exec(select(PortalSession).where(PortalSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    session.commit()
    logger.info("Session %s of customer %s signed out", row.id, row.customer_id)
    return True


def list_subscriptions(session: Session, *, plan_id: int, customer_id: int) -> list[Subscription]:
    """The customer's subscriptions on one plan, oldest first."""
    return list(
        session.exec(
            select(Subscription)
            .where(Subscription.plan_id == plan_id)
            .where(Subscription.customer_id == customer_id)
            .order_by(col(Subscription.start_at), col(Subscription.id))
        ).all()
    )


class SubscriptionNotFoundError(Exception):
    """Raised for a subscription id that is not the customer's on this plan."""


def choose_subscription(session: Session, *, active: ActiveSession, subscription_id: int) -> Subscription:
    """Make one of the customer's subscriptions the session's current one.

    Raises:
        SubscriptionNotFoundError: The id is unknown or not the customer's on this plan.
    """
    subscription = session.get(Subscription, subscription_id) if is_row_id(subscription_id) else None
    if subscription is None or subscription.customer_id != active.customer_id or subscription.plan_id != active.plan_id:
        raise SubscriptionNotFoundError(subscription_id)
    row = session.get(PortalSession, active.session_id)
    assert row is not None
    row.subscription_id = subscription.id
    session.add(row)
    session.commit()
    return subscription


def read_cookie(cookie_header: str, name: str = SESSION_COOKIE) -> str | None:
    """Read one cookie's value from a Cookie header.

    Parsed by hand because `http.cookies.SimpleCookie` drops every cookie
    after the first one it cannot parse.
    """
    for part in (cookie_header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"') or None
    return None
