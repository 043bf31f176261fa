"""The help center's contact form: validate a message, rate-limit senders and build the two emails.

A message goes to the org's support address with reply-to set to the sender,
and signed-in customers get a copy. Visitors who are not signed in get no copy,
because their address is unconfirmed and a copy would let anyone send mail to
any address through the portal.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re

import jinja2
from sqlmodel import Session, col, func, select

from nomos_portal.i18n import normalize_language, translate
from nomos_portal.models import Customer, Org, Plan, SupportMessage
from nomos_portal.services import sign_in
from nomos_portal.services.branding import readable_foreground
from nomos_portal.services.mail import TEMPLATE_DIR, OutgoingMail
from nomos_portal.services.text_input import has_forbidden_characters

logger = logging.getLogger(__name__)

TOPICS = ("sign_in", "invoices", "prices", "consumption", "contract", "payment", "smart_meter", "other")
MAX_MESSAGE_LENGTH = 4000
MAX_REFERENCE_LENGTH = 40
# Invoice and contract numbers such as "ACME-100002" or "RE 2026/0042".
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]*")
RATE_WINDOW = datetime.timedelta(hours=1)
MAX_MESSAGES_PER_SENDER = 5
# Cap on messages per hour from visitors who are not signed in, over all their addresses on one plan.
# NOTE: a guessed value; it stops a script from flooding customer service with made-up addresses.
MAX_ANONYMOUS_MESSAGES_PER_PLAN = 50
# Line breaks and tabs are the only control characters a message may contain.
ALLOWED_CONTROLS = frozenset("\n\r\t")

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


class ContactError(ValueError):
    """A rejected contact message; `code` keys the translated message, `details` fills it in."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class TooManyMessagesError(ContactError):
    """The sender reached the hourly limit; `retry_after` is the time until the next message is accepted."""

    def __init__(self, retry_after: datetime.timedelta) -> None:
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        super().__init__("too_many_messages", minutes=minutes)
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class ContactForm:
    """A validated contact message."""

    topic: str
    message: str
    reference: str
    email: str


def validate(*, topic: str, message: str, reference: str, email: str) -> ContactForm:
    """Check the fields of the contact form and return them trimmed.

    Raises:
        ContactError: `invalid_topic`, `message_missing`, `message_too_long`,
            `message_control_characters`, `reference_too_long`, `invalid_reference`
            or `invalid_email`.
    """
    if topic not in TOPICS:
        raise ContactError("invalid_topic")
    text = message.replace("\r\n", "\n").strip()
    if not text:
        raise ContactError("message_missing")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ContactError("message_too_long", maximum=MAX_MESSAGE_LENGTH)
    if has_forbidden_characters(text, allowed=ALLOWED_CONTROLS):
        raise ContactError("message_control_characters")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise ContactError("reference_too_long", maximum=MAX_REFERENCE_LENGTH)
    if reference and not REFERENCE_PATTERN.fullmatch(reference):
        raise ContactError("invalid_reference")
    try:
        address = sign_in.validate_email(email)
    except sign_in.InvalidEmailError:
        raise ContactError("invalid_email") from None
    return ContactForm(topic=topic, message=text, reference=reference, email=address)


def _check_rate(session: Session, *, plan: Plan, customer: Customer | None, email: str, now: datetime.datetime) -> None:
    since = now - RATE_WINDOW
    query = select(SupportMessage.created_at).where(SupportMessage.plan_id == plan.id)
    query = query.where(SupportMessage.created_at > since)
    if customer is not None:
        sent = query.where(SupportMessage.customer_id == customer.id)
    else:
        sent = query.where(col(SupportMessage.customer_id).is_(None)).where(SupportMessage.email == email)
    recent = sorted(session.exec(sent).all())
    if len(recent) >= MAX_MESSAGES_PER_SENDER:
        raise TooManyMessagesError(recent[-MAX_MESSAGES_PER_SENDER] + RATE_WINDOW - now)
    if customer is None:
        anonymous = session.exec(
            select(func.count())
            .select_from(SupportMessage)
            .where(SupportMessage.plan_id == plan.id)
            .where(col(SupportMessage.customer_id).is_(None))
            .where(SupportMessage.created_at > since)
        ).one()
        if anonymous >= MAX_ANONYMOUS_MESSAGES_PER_PLAN:
            raise TooManyMessagesError(RATE_WINDOW)


def store_message(
    session: Session, *, plan: Plan, customer: Customer | None, form: ContactForm, now: datetime.datetime
) -> SupportMessage:
    """Store a validated message unless the sender reached the hourly limit.

    Signed-in customers may send five messages an hour; visitors who are not
    signed in five per email address, and fifty together per plan.

    Raises:
        TooManyMessagesError: The limit is reached; nothing is stored.
    """
    _check_rate(session, plan=plan, customer=customer, email=form.email, now=now)
    assert plan.id is not None
    row = SupportMessage(
        plan_id=plan.id,
        customer_id=customer.id if customer is not None else None,
        email=form.email,
        topic=form.topic,
        reference=form.reference,
        message=form.message,
        created_at=now,
    )
    session.add(row)
    session.commit()
    logger.info(
        "Support message %s stored for plan %s (customer %s)",
        row.id,
        plan.slug,
        customer.id if customer is not None else "none",
    )
    return row


@dataclasses.dataclass(frozen=True)
class Submission:
    """A stored message with its two emails; `copy` is None for visitors who are not signed in."""

    form: ContactForm
    to_support: OutgoingMail
    copy: OutgoingMail | None


def submit(
    session: Session,
    *,
    plan: Plan,
    customer: Customer | None,
    subscription_number: str,
    topic: str,
    message: str,
    reference: str,
    email: str,
    now: datetime.datetime,
) -> Submission:
    """Validate, rate-limit and store a contact message, and build its emails for sending.

    Signed-in customers write from their stored address, so `email` counts only without a customer.
    The stored row stays when sending fails afterwards, so failed attempts count toward the limit too.

    Raises:
        ContactError: Invalid input or the hourly limit reached; nothing is stored.
    """
    form = validate(
        topic=topic,
        message=message,
        reference=reference,
        email=customer.email if customer is not None else email,
    )
    store_message(session, plan=plan, customer=customer, form=form, now=now)
    org = session.get(Org, plan.org_id)
    assert org is not None
    to_support = build_support_mail(
        org=org, plan=plan, customer=customer, form=form, subscription_number=subscription_number, sent_at=now
    )
    copy = build_copy_mail(org=org, plan=plan, customer=customer, form=form) if customer is not None else None
    return Submission(form=form, to_support=to_support, copy=copy)


def _render(context: dict[str, object]) -> tuple[str, str]:
    return (
        _templates.get_template("support_message.txt").render(context),
        _templates.get_template("support_message.html").render(context),
    )


def build_support_mail(
    *,
    org: Org,
    plan: Plan,
    customer: Customer | None,
    form: ContactForm,
    subscription_number: str,
    sent_at: datetime.datetime,
) -> OutgoingMail:
    """Render the message for customer service, in German, with reply-to set to the sender."""
    language = "de"
    sender = f"{customer.first_name} {customer.last_name}".strip() if customer is not None else ""
    customer_label = str(customer.id) if customer is not None else translate("mail.support.not_signed_in", language)
    topic = translate(f"help.topic.{form.topic}", language)
    subject = translate("mail.support.subject", language, topic=topic, customer=customer_label)
    rows = [
        (translate("mail.support.customer_id", language), customer_label),
        (translate("mail.support.name", language), sender or "–"),
        (translate("mail.support.email", language), form.email),
        (translate("mail.support.plan", language), plan.name),
        (translate("mail.support.subscription", language), subscription_number or "–"),
        (translate("mail.support.topic", language), topic),
        (translate("mail.support.reference", language), form.reference or "–"),
        (translate("mail.support.sent_at", language), sent_at.astimezone(datetime.UTC).isoformat()),
    ]
    context = {
        "language": language,
        "org": org.name,
        "primary": plan.color_primary,
        "on_primary": readable_foreground(plan.color_primary),
        "subject": subject,
        "intro": translate("mail.support.intro", language),
        "rows": rows,
        "message": form.message,
        "footer": translate("mail.support.reply_hint", language),
    }
    text, html = _render(context)
    return OutgoingMail(
        to=org.support_email, subject=subject, text=text, html=html, sender_name=org.name, reply_to=form.email
    )


def build_copy_mail(*, org: Org, plan: Plan, customer: Customer, form: ContactForm) -> OutgoingMail:
    """Render the customer's copy in their language, with reply-to set to customer service."""
    language = normalize_language(customer.locale)
    topic = translate(f"help.topic.{form.topic}", language)
    subject = translate("mail.support_copy.subject", language, org=org.name)
    rows = [(translate("mail.support.topic", language), topic)]
    if form.reference:
        rows.append((translate("mail.support.reference", language), form.reference))
    context = {
        "language": language,
        "org": org.name,
        "primary": plan.color_primary,
        "on_primary": readable_foreground(plan.color_primary),
        "subject": subject,
        "intro": translate("mail.support_copy.intro", language, org=org.name),
        "rows": rows,
        "message": form.message,
        "footer": translate("mail.sign_in.signature", language, org=org.name),
    }
    text, html = _render(context)
    return OutgoingMail(
        to=customer.email, subject=subject, text=text, html=html, sender_name=org.name, reply_to=org.support_email
    )
