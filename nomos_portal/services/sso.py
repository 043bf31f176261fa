"""Single sign-on: API keys for suppliers' backends and the single-use sign-in links they mint.

A supplier's backend, holding an API key of its org, requests a link for one
of its customers and redirects the customer's browser there. The link carries a
random token that works once, for five minutes, on the host of one plan, and
starts an ordinary portal session.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
import logging
import secrets
import urllib.parse

import sqlalchemy as sa
from sqlmodel import Session, col, select

from nomos_portal.models import ApiKey, Customer, Org, Plan, PortalSession, SignInLink
from nomos_portal.services import sessions
from nomos_portal.services.customers import NotFoundError, get_customer
from nomos_portal.services.sign_in import validate_email
from nomos_portal.services.tenancy import portal_url

logger = logging.getLogger(__name__)

LINK_LIFETIME = datetime.timedelta(minutes=5)
# 32 random bytes: 256 bits, twice the 128 bits a bearer token needs.
TOKEN_BYTES = 32
API_KEY_SCHEME = "nomos"
# Ports of `reflex run` in development: the backend serves /auth/confirm, Vite serves the pages.
DEVELOPMENT_BACKEND_PORT = 8000
DEVELOPMENT_FRONTEND_PORT = 3000
CONFIRM_PATH = "/auth/confirm"
# Compared against when a key names an unknown prefix, so that case costs the same time.
_DUMMY_HASH = sessions.hash_token("no such key")


class InvalidApiKeyError(Exception):
    """Raised for a missing, malformed, unknown or revoked API key."""


class SignInLinkError(Exception):
    """Raised when a sign-in link token is unknown, used, expired or for another plan."""


class NoSubscriptionError(Exception):
    """Raised when a link's customer has no subscription on the plan whose host opened it."""

    def __init__(self, customer_id: int, plan_id: int) -> None:
        super().__init__(f"customer {customer_id} has no subscription on plan {plan_id}")
        self.customer_id = customer_id
        self.plan_id = plan_id


@dataclasses.dataclass(frozen=True)
class NewApiKey:
    """An API key just created; `key` is shown once and cannot be recovered later."""

    api_key_id: int
    prefix: str
    key: str


@dataclasses.dataclass(frozen=True)
class MintedLink:
    """A sign-in link and when it stops working."""

    url: str
    expires_at: datetime.datetime
    customer_id: int


@dataclasses.dataclass(frozen=True)
class RedeemedLink:
    """A session started from a sign-in link, with its cookie token and target path."""

    token: str
    portal_session: PortalSession
    next_path: str


# -- API keys -------------------------------------------------------------------


def create_api_key(session: Session, *, org: Org, label: str = "", now: datetime.datetime) -> NewApiKey:
    """Create an API key for an org and return it in clear, once.

    The key reads "nomos_<prefix>_<secret>": the prefix finds the stored row,
    and only the SHA-256 of the whole key is stored.
    """
    assert org.id is not None
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"
    row = ApiKey(org_id=org.id, prefix=prefix, key_hash=sessions.hash_token(key), label=label.strip(), created_at=now)
    session.add(row)
    session.commit()
    assert row.id is not None
    logger.info("API key %s created for org %s", prefix, org.id)
    return NewApiKey(api_key_id=row.id, prefix=prefix, key=key)


def authenticate_api_key(session: Session, *, key: str, now: datetime.datetime) -> ApiKey:
    """Find the live API key that a request presents, comparing hashes in constant time.

    Raises:
        InvalidApiKeyError: The key is malformed, unknown or revoked.
    """
    scheme, _, rest = key.strip().partition("_")
    prefix, _, secret = rest.partition("_")
    row = None
    if scheme == API_KEY_SCHEME and prefix and secret:
        row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    expected = row.key_hash if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(expected, sessions.hash_token(key.strip()))
    if row is None or not matches or row.revoked_at is not None:
        raise InvalidApiKeyError(prefix[:16] or "malformed")
    row.last_used_at = now
    session.add(row)
    session.commit()
    return row


def revoke_api_key(session: Session, *, prefix: str, now: datetime.datetime) -> ApiKey:
    """Stop an API key from working; links it minted before keep working until they expire.

    Raises:
        InvalidApiKeyError: No key has this prefix.
    """
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix.strip())).first()
    if row is None:
        raise InvalidApiKeyError(prefix)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.commit()
        logger.info("API key %s of org %s revoked", row.prefix, row.org_id)
    return row


# -- sign-in links ----------------------------------------------------------------


def find_org_customer(
    session: Session, *, org_id: int, email: str | None = None, customer_id: int | None = None
) -> Customer:
    """Load a customer of one org by email or by id.

    Raises:
        NotFoundError: No customer of this org has that email or id.
        InvalidEmailError: The email is malformed.
    """
    if customer_id is not None:
        return get_customer(session, org_id=org_id, customer_id=customer_id)
    normalized = validate_email(email or "")
    customer = session.exec(
        select(Customer).where(Customer.org_id == org_id).where(Customer.email == normalized)
    ).first()
    if customer is None:
        raise NotFoundError(f"customer {normalized}")
    return customer


def link_url(*, slug: str, token: str, next_path: str, base_domain: str, production: bool) -> str:
    """Build the address of a sign-in link on a plan's host.

    In development the link points at the backend's port and names Vite's
    port, to which the confirm route then redirects.
    """
    query = {"token": token, "next": next_path}
    if production:
        origin = portal_url(slug, base_domain=base_domain)
    else:
        origin = portal_url(slug, base_domain=base_domain, scheme="http", port=DEVELOPMENT_BACKEND_PORT)
        query["port"] = str(DEVELOPMENT_FRONTEND_PORT)
    return f"{origin}{CONFIRM_PATH}?{urllib.parse.urlencode(query, safe='/')}"


def mint_sign_in_link(
    session: Session,
    *,
    plan: Plan,
    customer: Customer,
    next_path: str,
    base_domain: str,
    production: bool,
    now: datetime.datetime,
    api_key: ApiKey | None = None,
) -> MintedLink:
    """Store a single-use sign-in link for a customer of the plan's org and return its address.

    The caller checks that `next_path` is a local path; the confirm route
    checks it again before redirecting.

    Raises:
        NotFoundError: The customer belongs to another org than the plan.
    """
    assert plan.id is not None and customer.id is not None
    if customer.org_id != plan.org_id:
        raise NotFoundError(f"customer {customer.id}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = SignInLink(
        plan_id=plan.id,
        customer_id=customer.id,
        api_key_id=api_key.id if api_key is not None else None,
        token_hash=sessions.hash_token(token),
        next_path=next_path,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    session.add(row)
    session.commit()
    logger.info(
        "Sign-in link %s minted for customer %s on plan %s by key %s",
        row.id,
        customer.id,
        plan.slug,
        api_key.prefix if api_key is not None else "operator",
    )
    url = link_url(slug=plan.slug, token=token, next_path=next_path, base_domain=base_domain, production=production)
    return MintedLink(url=url, expires_at=row.expires_at, customer_id=customer.id)


def redeem_sign_in_link(session: Session, *, token: str, plan: Plan, now: datetime.datetime) -> RedeemedLink:
    """Use up a sign-in link on its plan's host and start a session for its customer.

    The link is marked used before anything else, with a conditional update,
    so two requests racing with the same token cannot both succeed.

    Raises:
        SignInLinkError: The token is unknown, used, expired or for another plan.
        NoSubscriptionError: The customer has no subscription on this plan; the link is used up.
    """
    row = session.exec(select(SignInLink).where(SignInLink.token_hash == sessions.hash_token(token))).first()
    if row is None or row.plan_id != plan.id:
        raise SignInLinkError("unknown link")
    if row.used_at is not None:
        raise SignInLinkError(f"link {row.id} already used")
    if now >= row.expires_at:
        raise SignInLinkError(f"link {row.id} expired")
    claimed = session.execute(
        sa.update(SignInLink)
        .where(col(SignInLink.id) == row.id)
        .where(col(SignInLink.used_at).is_(None))
        .values(used_at=now)
    )
    session.commit()
    if claimed.rowcount != 1:
        raise SignInLinkError(f"link {row.id} already used")

    customer = session.get(Customer, row.customer_id)
    assert customer is not None and plan.id is not None
    if not sessions.list_subscriptions(session, plan_id=plan.id, customer_id=row.customer_id):
        raise NoSubscriptionError(row.customer_id, plan.id)

    # The same two steps as a sign-in with a code, so the session is indistinguishable from one.
    new = sessions.create_session(session, plan=plan, customer=customer, now=now)
    cookie_token, portal_session = sessions.exchange_handoff(session, ticket=new.handoff_ticket, plan=plan, now=now)
    logger.info("Customer %s signed in on plan %s with sign-in link %s", customer.id, plan.slug, row.id)
    return RedeemedLink(token=cookie_token, portal_session=portal_session, next_path=row.next_path)
