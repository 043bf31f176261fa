"""Six-digit email sign-in codes: issue, throttle and verify.

Every email entered on a plan's sign-in page gets the same treatment, known
or not: a code row is stored (for unknown addresses with a code nobody
receives), so throttling, attempt limits and answers cannot tell customers
from strangers.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import logging
import secrets

from sqlmodel import Session, col, func, select

from nomos_portal.models import Customer, Plan, SignInCode, Subscription
from nomos_portal.services.text_input import has_forbidden_characters

logger = logging.getLogger(__name__)

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
RESEND_INTERVAL = datetime.timedelta(minutes=1)
MAX_CODES_PER_HOUR = 5
MAX_EMAIL_LENGTH = 254
# Characters that an email address may contain only inside a quoted local part, which the portal does not accept.
EMAIL_SPECIALS = frozenset('<>()[]\\,;:"')


class SignInError(Exception):
    """Base class of every rejected sign-in step; `code` keys the translated message."""

    code = "sign_in_failed"


class InvalidEmailError(SignInError):
    """The entered text is not an email address."""

    code = "invalid_email"


class ResendTooSoonError(SignInError):
    """A code for this email was requested less than a minute ago."""

    code = "resend_too_soon"

    def __init__(self, retry_after: datetime.timedelta) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after


class TooManyCodesError(SignInError):
    """Five codes were requested for this email within the last hour."""

    code = "too_many_codes"

    def __init__(self, retry_after: datetime.timedelta) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after


class CodeFormatError(SignInError):
    """The entered code is not six digits; no attempt is counted."""

    code = "code_format"


class NoCodeRequestedError(SignInError):
    """No code was requested for this email on this plan."""

    code = "no_code_requested"


class WrongCodeError(SignInError):
    """The entered code does not match."""

    code = "wrong_code"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"{attempts_left} attempts left")
        self.attempts_left = attempts_left


class CodeExpiredError(SignInError):
    """The code is older than ten minutes."""

    code = "code_expired"


class CodeUsedError(SignInError):
    """The code has already been used to sign in."""

    code = "code_used"


class CodeLockedError(SignInError):
    """The code was entered wrongly five times and no longer works."""

    code = "code_locked"


@dataclasses.dataclass(frozen=True)
class IssuedCode:
    """Result of a code request.

    Attributes:
        code: The six digits to email, or None if the email belongs to no
            customer of the plan (nothing is sent then).
        customer: The customer to email, or None.
        expires_at: When the code stops working.
    """

    code: str | None
    customer: Customer | None
    expires_at: datetime.datetime


def normalize_email(email: str) -> str:
    """Trim and lower-case an email address for matching."""
    return email.strip().lower()


def validate_email(email: str) -> str:
    """Normalise an email and check its basic form.

    Raises:
        InvalidEmailError: Not of the form local@domain.tld, too long, or containing
            whitespace, control characters or characters that need quoting, such as "<".
    """
    normalized = normalize_email(email)
    local, at, domain = normalized.partition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or len(normalized) > MAX_EMAIL_LENGTH
        or any(ch.isspace() or ch in EMAIL_SPECIALS for ch in normalized)
        or has_forbidden_characters(normalized)
        or "@" in domain
    ):
        raise InvalidEmailError(normalized[:MAX_EMAIL_LENGTH])
    return normalized


def generate_code() -> str:
    """Draw a six-digit code from the operating system's random source."""
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_code(code: str, *, plan_id: int, email: str, secret_key: str) -> str:
    """Keyed hash of a code, bound to its plan and email."""
    message = f"{plan_id}:{email}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def find_customer(session: Session, *, plan: Plan, email: str) -> Customer | None:
    """Find the customer with this email who has a subscription on the plan."""
    return session.exec(
        select(Customer)
        .join(Subscription, col(Subscription.customer_id) == col(Customer.id))
        .where(Customer.org_id == plan.org_id)
        .where(Customer.email == email)
        .where(Subscription.plan_id == plan.id)
    ).first()


def request_code(session: Session, *, plan: Plan, email: str, secret_key: str, now: datetime.datetime) -> IssuedCode:
    """Issue a new sign-in code for an email on a plan.

    The newest code is the only valid one: requesting a new code retires the
    previous one.

    Raises:
        InvalidEmailError: The email is malformed.
        ResendTooSoonError: The last code is less than a minute old.
        TooManyCodesError: Five codes were issued in the last hour.
    """
    normalized = validate_email(email)
    assert plan.id is not None

    recent = session.exec(
        select(SignInCode.created_at)
        .where(SignInCode.plan_id == plan.id)
        .where(SignInCode.email == normalized)
        .where(SignInCode.created_at > now - datetime.timedelta(hours=1))
        .order_by(col(SignInCode.created_at).desc())
    ).all()
    if recent and now - recent[0] < RESEND_INTERVAL:
        raise ResendTooSoonError(RESEND_INTERVAL - (now - recent[0]))
    if len(recent) >= MAX_CODES_PER_HOUR:
        raise TooManyCodesError(recent[-1] + datetime.timedelta(hours=1) - now)

    customer = find_customer(session, plan=plan, email=normalized)
    code = generate_code()
    row = SignInCode(
        plan_id=plan.id,
        email=normalized,
        customer_id=customer.id if customer else None,
        code_hash=hash_code(code, plan_id=plan.id, email=normalized, secret_key=secret_key),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(row)
    session.commit()
    logger.info("Sign-in code issued for plan %s (customer %s)", plan.slug, customer.id if customer else "none")
    return IssuedCode(code=code if customer else None, customer=customer, expires_at=row.expires_at)


def verify_code(
    session: Session,
    *,
    plan: Plan,
    email: str,
    code: str,
    secret_key: str,
    now: datetime.datetime,
) -> Customer:
    """Check an entered code and mark it used.

    Returns:
        The customer who signed in.

    Raises:
        InvalidEmailError: The email is malformed.
        CodeFormatError: The code is not six digits.
        NoCodeRequestedError: No code exists for this email and plan.
        CodeUsedError, CodeExpiredError, CodeLockedError: The newest code no longer works.
        WrongCodeError: The code does not match; one attempt is used up.
    """
    normalized = validate_email(email)
    entered = "".join(code.split())
    if len(entered) != 6 or not entered.isascii() or not entered.isdigit():
        raise CodeFormatError(normalized)
    assert plan.id is not None
    row = session.exec(
        select(SignInCode)
        .where(SignInCode.plan_id == plan.id)
        .where(SignInCode.email == normalized)
        .order_by(col(SignInCode.created_at).desc(), col(SignInCode.id).desc())
    ).first()
    if row is None:
        raise NoCodeRequestedError(normalized)
    if row.used_at is not None:
        raise CodeUsedError(normalized)
    if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
        raise CodeLockedError(normalized)
    if now >= row.expires_at:
        raise CodeExpiredError(normalized)

    expected = row.code_hash
    actual = hash_code(entered, plan_id=plan.id, email=normalized, secret_key=secret_key)
    customer = session.get(Customer, row.customer_id) if row.customer_id is not None else None
    if not hmac.compare_digest(expected, actual) or customer is None:
        row.failed_attempts += 1
        session.add(row)
        session.commit()
        left = MAX_FAILED_ATTEMPTS - row.failed_attempts
        logger.info("Wrong sign-in code for plan %s, %d attempts left", plan.slug, left)
        if left <= 0:
            raise CodeLockedError(normalized)
        raise WrongCodeError(left)

    row.used_at = now
    session.add(row)
    session.commit()
    logger.info("Customer %s signed in on plan %s", customer.id, plan.slug)
    return customer


def count_codes(session: Session, *, plan: Plan, email: str) -> int:
    """Count the codes stored for an email on a plan."""
    return session.exec(
        select(func.count())
        .select_from(SignInCode)
        .where(SignInCode.plan_id == plan.id)
        .where(SignInCode.email == normalize_email(email))
    ).one()
