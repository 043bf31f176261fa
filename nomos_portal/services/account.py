"""Customer account changes: personal details, sign-in email, billing address and payment method.

Every change is validated before anything is written, and each changed
field gets an audit log entry. IBANs are stored encrypted, appear masked
in the audit log and not at all in log messages.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
import logging
import re

import schwifty
from schwifty import exceptions as iban_errors
from sqlmodel import Session, col, select

from nomos_portal.models import AuditLogEntry, Customer, EmailChangeCode, Org, PaymentMethod, Plan, Subscription
from nomos_portal.services import contracts, crypto, sign_in
from nomos_portal.services.text_input import has_forbidden_characters

logger = logging.getLogger(__name__)

CUSTOMER_TYPES = ("person", "company")
PAYMENT_TYPES = ("sepa_debit", "bank_transfer")
NAME = re.compile(r"^(?=.*[^\W\d_]).{1,100}$")
COMPANY_NAME = re.compile(r"^(?=.*\w).{2,200}$")
# EU VAT identification number: two-letter country prefix, then 2 to 13 letters, digits, "+" or "*".
VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")
PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,40}$")
MIN_PHONE_DIGITS = 5
# No country's IBAN is longer (ISO 13616).
MAX_IBAN_LENGTH = 34
ACCOUNT_HOLDER = re.compile(r"^(?=.*[^\W\d_]).{2,100}$")
BILLING_FIELDS = ("street", "house_number", "zip", "city")


class AccountError(ValueError):
    """A rejected account change; `code` keys the translated message "account_error.<code>"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclasses.dataclass(frozen=True)
class PersonalDetails:
    """The editable personal fields of a customer, as entered."""

    type: str
    first_name: str
    last_name: str
    company_name: str
    vat_id: str
    phone: str


@dataclasses.dataclass(frozen=True)
class PaymentSummary:
    """Displayed view of a subscription's current payment method, without the full IBAN."""

    type: str
    account_holder: str
    iban_masked: str
    bank_name: str
    bic: str
    mandate_reference: str
    mandate_signed_at: datetime.datetime | None


def record_change(
    session: Session,
    *,
    plan_id: int,
    customer_id: int,
    field: str,
    old_value: str,
    new_value: str,
    now: datetime.datetime,
    subscription_id: int | None = None,
) -> AuditLogEntry:
    """Add an audit log entry to the session; the caller commits it with the change."""
    entry = AuditLogEntry(
        plan_id=plan_id,
        customer_id=customer_id,
        subscription_id=subscription_id,
        field=field,
        old_value=old_value[:300],
        new_value=new_value[:300],
        created_at=now,
    )
    session.add(entry)
    return entry


def audit_log(session: Session, *, customer_id: int) -> list[AuditLogEntry]:
    """List a customer's audit log entries, oldest first."""
    return list(
        session.exec(
            select(AuditLogEntry)
            .where(AuditLogEntry.customer_id == customer_id)
            .order_by(col(AuditLogEntry.created_at), col(AuditLogEntry.id))
        ).all()
    )


# -- personal details -----------------------------------------------------------


def validate_personal_details(details: PersonalDetails) -> PersonalDetails:
    """Trim and check personal details; a company needs its name, a person first and last name.

    Raises:
        AccountError: "invalid_type", "invalid_first_name", "invalid_last_name",
            "invalid_company_name", "invalid_vat_id" or "invalid_phone".
    """
    cleaned = PersonalDetails(
        type=details.type.strip(),
        first_name=" ".join(details.first_name.split()),
        last_name=" ".join(details.last_name.split()),
        company_name=" ".join(details.company_name.split()),
        vat_id="".join(details.vat_id.split()).upper(),
        phone=" ".join(details.phone.split()),
    )
    if cleaned.type not in CUSTOMER_TYPES:
        raise AccountError("invalid_type")
    if any(has_forbidden_characters(value) for value in dataclasses.astuple(details)):
        raise AccountError("invalid_control_characters")
    if cleaned.type == "person":
        if not NAME.match(cleaned.first_name):
            raise AccountError("invalid_first_name")
        if not NAME.match(cleaned.last_name):
            raise AccountError("invalid_last_name")
    else:
        if not COMPANY_NAME.match(cleaned.company_name):
            raise AccountError("invalid_company_name")
        if cleaned.first_name and not NAME.match(cleaned.first_name):
            raise AccountError("invalid_first_name")
        if cleaned.last_name and not NAME.match(cleaned.last_name):
            raise AccountError("invalid_last_name")
        if cleaned.vat_id and not VAT_ID.match(cleaned.vat_id):
            raise AccountError("invalid_vat_id")
    if cleaned.phone and (
        not PHONE.match(cleaned.phone) or sum(ch.isdigit() for ch in cleaned.phone) < MIN_PHONE_DIGITS
    ):
        raise AccountError("invalid_phone")
    if cleaned.type == "person":
        # A person has no company name or VAT id; drop what the form may still hold.
        cleaned = dataclasses.replace(cleaned, company_name="", vat_id="")
    return cleaned


def update_personal_details(
    session: Session, *, plan: Plan, customer: Customer, details: PersonalDetails, now: datetime.datetime
) -> list[str]:
    """Validate and store personal details, logging each changed field.

    Returns:
        The names of the changed fields, empty when nothing changed.

    Raises:
        AccountError: A field is invalid; nothing is stored then.
    """
    cleaned = validate_personal_details(details)
    assert plan.id is not None and customer.id is not None
    changed = []
    for field in ("type", "first_name", "last_name", "company_name", "vat_id", "phone"):
        old = getattr(customer, field)
        new = getattr(cleaned, field)
        if old != new:
            record_change(
                session, plan_id=plan.id, customer_id=customer.id, field=field, old_value=old, new_value=new, now=now
            )
            setattr(customer, field, new)
            changed.append(field)
    if changed:
        session.add(customer)
        session.commit()
        logger.info("Customer %s changed %s on plan %s", customer.id, ", ".join(changed), plan.slug)
    return changed


# -- sign-in email ----------------------------------------------------------------


def request_email_change(
    session: Session, *, plan: Plan, customer: Customer, new_email: str, secret_key: str, now: datetime.datetime
) -> tuple[str, str]:
    """Issue a code for a new sign-in email, with the sign-in code's lifetime and throttling.

    Returns:
        The normalised new email and the six-digit code to send to it.

    Raises:
        sign_in.InvalidEmailError: The new email is malformed.
        AccountError: "same_email", or "email_taken" by another customer of the org.
        sign_in.ResendTooSoonError, sign_in.TooManyCodesError: Codes were requested too often.
    """
    normalized = sign_in.validate_email(new_email)
    assert plan.id is not None and customer.id is not None
    if normalized == customer.email:
        raise AccountError("same_email")
    taken = session.exec(
        select(Customer.id).where(Customer.org_id == customer.org_id).where(Customer.email == normalized)
    ).first()
    if taken is not None:
        raise AccountError("email_taken")

    recent = session.exec(
        select(EmailChangeCode.created_at)
        .where(EmailChangeCode.customer_id == customer.id)
        .where(EmailChangeCode.created_at > now - datetime.timedelta(hours=1))
        .order_by(col(EmailChangeCode.created_at).desc())
    ).all()
    if recent and now - recent[0] < sign_in.RESEND_INTERVAL:
        raise sign_in.ResendTooSoonError(sign_in.RESEND_INTERVAL - (now - recent[0]))
    if len(recent) >= sign_in.MAX_CODES_PER_HOUR:
        raise sign_in.TooManyCodesError(recent[-1] + datetime.timedelta(hours=1) - now)

    code = sign_in.generate_code()
    session.add(
        EmailChangeCode(
            plan_id=plan.id,
            customer_id=customer.id,
            new_email=normalized,
            code_hash=sign_in.hash_code(code, plan_id=plan.id, email=normalized, secret_key=secret_key),
            created_at=now,
            expires_at=now + sign_in.CODE_LIFETIME,
        )
    )
    session.commit()
    logger.info("Email change code issued for customer %s on plan %s", customer.id, plan.slug)
    return normalized, code


def confirm_email_change(
    session: Session, *, plan: Plan, customer: Customer, code: str, secret_key: str, now: datetime.datetime
) -> tuple[str, str]:
    """Check the code of the newest email change request and, if it matches, change the email.

    Returns:
        The old and the new email.

    Raises:
        sign_in.CodeFormatError: The code is not six digits; no attempt is counted.
        sign_in.NoCodeRequestedError: No change was requested.
        sign_in.CodeUsedError, sign_in.CodeExpiredError, sign_in.CodeLockedError: The code no longer works.
        sign_in.WrongCodeError: The code does not match; one of five attempts is used up.
        AccountError: "email_taken" when another customer took the address meanwhile.
    """
    entered = "".join(code.split())
    if len(entered) != 6 or not entered.isascii() or not entered.isdigit():
        raise sign_in.CodeFormatError(customer.email)
    assert plan.id is not None and customer.id is not None
    row = session.exec(
        select(EmailChangeCode)
        .where(EmailChangeCode.customer_id == customer.id)
        .where(EmailChangeCode.plan_id == plan.id)
        .order_by(col(EmailChangeCode.created_at).desc(), col(EmailChangeCode.id).desc())
    ).first()
    if row is None:
        raise sign_in.NoCodeRequestedError(customer.email)
    if row.used_at is not None:
        raise sign_in.CodeUsedError(customer.email)
    if row.failed_attempts >= sign_in.MAX_FAILED_ATTEMPTS:
        raise sign_in.CodeLockedError(customer.email)
    if now >= row.expires_at:
        raise sign_in.CodeExpiredError(customer.email)

    expected = sign_in.hash_code(entered, plan_id=plan.id, email=row.new_email, secret_key=secret_key)
    if not hmac.compare_digest(row.code_hash, expected):
        row.failed_attempts += 1
        session.add(row)
        session.commit()
        left = sign_in.MAX_FAILED_ATTEMPTS - row.failed_attempts
        logger.info("Wrong email change code for customer %s, %d attempts left", customer.id, left)
        if left <= 0:
            raise sign_in.CodeLockedError(customer.email)
        raise sign_in.WrongCodeError(left)

    taken = session.exec(
        select(Customer.id).where(Customer.org_id == customer.org_id).where(Customer.email == row.new_email)
    ).first()
    if taken is not None:
        raise AccountError("email_taken")
    old_email = customer.email
    row.used_at = now
    customer.email = row.new_email
    record_change(
        session,
        plan_id=plan.id,
        customer_id=customer.id,
        field="email",
        old_value=old_email,
        new_value=row.new_email,
        now=now,
    )
    session.add(row)
    session.add(customer)
    session.commit()
    logger.info("Customer %s confirmed a new sign-in email on plan %s", customer.id, plan.slug)
    return old_email, row.new_email


# -- billing address --------------------------------------------------------------


def billing_address(subscription: Subscription) -> contracts.NewAddress:
    """The stored billing address; all fields empty means the delivery address is used."""
    return contracts.NewAddress(
        subscription.billing_address_street,
        subscription.billing_address_house_number,
        subscription.billing_address_zip,
        subscription.billing_address_city,
    )


def update_billing_address(
    session: Session,
    *,
    plan: Plan,
    subscription: Subscription,
    address: contracts.NewAddress,
    now: datetime.datetime,
) -> list[str]:
    """Validate and store a subscription's billing address with the Nomos API's rules.

    An address with every field empty clears the billing address, so bills
    go to the delivery address again.

    Returns:
        The names of the changed fields.

    Raises:
        contracts.ContractError: "invalid_street", "invalid_house_number",
            "invalid_zip" or "invalid_city"; nothing is stored then.
    """
    assert plan.id is not None and subscription.id is not None
    if all(not value.strip() for value in dataclasses.astuple(address)):
        cleaned = contracts.NewAddress("", "", "", "")
    else:
        cleaned = contracts.validate_address(address)
    changed = []
    for field, new in zip(BILLING_FIELDS, dataclasses.astuple(cleaned), strict=True):
        column = f"billing_address_{field}"
        old = getattr(subscription, column)
        if old != new:
            record_change(
                session,
                plan_id=plan.id,
                customer_id=subscription.customer_id,
                subscription_id=subscription.id,
                field=column,
                old_value=old,
                new_value=new,
                now=now,
            )
            setattr(subscription, column, new)
            changed.append(column)
    if changed:
        session.add(subscription)
        session.commit()
        logger.info("Billing address of subscription %s changed", subscription.id)
    return changed


# -- payment method --------------------------------------------------------------


def validate_iban(text: str) -> schwifty.IBAN:
    """Parse an IBAN as typed (spaces and lower case allowed) and check country, length and check digits.

    Raises:
        AccountError: "iban_country", "iban_length", "iban_checksum" or
            "iban_format"; the message never contains the IBAN.
    """
    compact = "".join(text.split()).upper()
    if not compact:
        raise AccountError("iban_missing")
    # Checked first: parsing megabytes of digits takes schwifty most of a second.
    if len(compact) > MAX_IBAN_LENGTH:
        raise AccountError("iban_length")
    try:
        return schwifty.IBAN(compact)
    except iban_errors.InvalidCountryCode:
        raise AccountError("iban_country") from None
    except iban_errors.InvalidLength:
        raise AccountError("iban_length") from None
    except iban_errors.InvalidChecksumDigits:
        raise AccountError("iban_checksum") from None
    except iban_errors.SchwiftyException:
        raise AccountError("iban_format") from None


def current_payment_method(session: Session, *, subscription_id: int) -> PaymentMethod | None:
    """The subscription's payment method that has not been replaced."""
    return session.exec(
        select(PaymentMethod)
        .where(PaymentMethod.subscription_id == subscription_id)
        .where(col(PaymentMethod.replaced_at).is_(None))
        .order_by(col(PaymentMethod.created_at).desc(), col(PaymentMethod.id).desc())
    ).first()


def payment_history(session: Session, *, subscription_id: int) -> list[PaymentMethod]:
    """All payment methods of a subscription, oldest first, including replaced ones."""
    return list(
        session.exec(
            select(PaymentMethod)
            .where(PaymentMethod.subscription_id == subscription_id)
            .order_by(col(PaymentMethod.created_at), col(PaymentMethod.id))
        ).all()
    )


def summarize_payment(method: PaymentMethod | None) -> PaymentSummary | None:
    """Copy the displayable fields of a payment method."""
    if method is None:
        return None
    return PaymentSummary(
        type=method.type,
        account_holder=method.account_holder,
        iban_masked=method.iban_masked,
        bank_name=method.bank_name,
        bic=method.bic,
        mandate_reference=method.mandate_reference,
        mandate_signed_at=method.mandate_signed_at,
    )


def next_mandate_reference(session: Session, *, subscription: Subscription) -> str:
    """The reference the next SEPA mandate of a subscription gets: its number and a running count."""
    assert subscription.id is not None
    count = sum(1 for method in payment_history(session, subscription_id=subscription.id) if method.mandate_reference)
    return f"{subscription.number}-M{count + 1:02d}"[:35]


def creditor_id(session: Session, *, plan: Plan) -> str:
    """The SEPA creditor identifier of the plan's org; empty when the org has none."""
    org = session.get(Org, plan.org_id)
    return org.sepa_creditor_id if org is not None else ""


def change_payment_method(
    session: Session,
    *,
    plan: Plan,
    subscription: Subscription,
    payment_type: str,
    account_holder: str,
    iban: str,
    mandate_accepted: bool,
    secret_key: str,
    now: datetime.datetime,
) -> PaymentMethod:
    """Replace a subscription's payment method, keeping the old one as history.

    SEPA direct debit needs an account holder, a valid IBAN and the accepted
    mandate; it creates a new mandate dated `now`. Bank transfer is only
    possible where the plan allows it.

    Raises:
        AccountError: The input is invalid or the mandate was not accepted;
            nothing is stored then.
    """
    assert plan.id is not None and subscription.id is not None
    if payment_type not in PAYMENT_TYPES:
        raise AccountError("invalid_payment_type")
    if payment_type == "bank_transfer" and not plan.allows_bank_transfer:
        raise AccountError("bank_transfer_not_allowed")

    new = PaymentMethod(subscription_id=subscription.id, type=payment_type, created_at=now)
    if payment_type == "sepa_debit":
        holder = " ".join(account_holder.split())
        if not ACCOUNT_HOLDER.match(holder) or has_forbidden_characters(account_holder):
            raise AccountError("invalid_account_holder")
        parsed = validate_iban(iban)
        if not mandate_accepted:
            raise AccountError("mandate_not_accepted")
        if not creditor_id(session, plan=plan):
            raise AccountError("no_creditor_id")
        new.account_holder = holder
        new.iban_encrypted = crypto.encrypt(parsed.compact, secret_key=secret_key)
        new.iban_masked = crypto.mask_iban(parsed.compact)
        new.bank_name = (parsed.bank_name or "")[:200]
        new.bic = str(parsed.bic) if parsed.bic is not None else ""
        new.mandate_reference = next_mandate_reference(session, subscription=subscription)
        new.mandate_signed_at = now

    old = current_payment_method(session, subscription_id=subscription.id)
    if old is not None:
        old.replaced_at = now
        session.add(old)
    session.add(new)
    for field, before, after in (
        ("payment_type", old.type if old else "", new.type),
        ("account_holder", old.account_holder if old else "", new.account_holder),
        ("iban", old.iban_masked if old else "", new.iban_masked),
        ("mandate_reference", old.mandate_reference if old else "", new.mandate_reference),
    ):
        if before != after:
            record_change(
                session,
                plan_id=plan.id,
                customer_id=subscription.customer_id,
                subscription_id=subscription.id,
                field=field,
                old_value=before,
                new_value=after,
                now=now,
            )
    session.commit()
    logger.info(
        "Payment method of subscription %s changed to %s (mandate %s)",
        subscription.id,
        payment_type,
        new.mandate_reference or "none",
    )
    return new
