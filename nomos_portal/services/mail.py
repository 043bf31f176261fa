"""Build emails from templates and deliver them over SMTP or into a file outbox."""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import logging
import secrets
from pathlib import Path

import emails
import jinja2

from nomos_portal.i18n import normalize_language, translate
from nomos_portal.services.branding import readable_foreground
from nomos_portal.settings import Settings

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "mail"

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


class MailDeliveryError(RuntimeError):
    """Raised when the SMTP server does not accept a message."""


@dataclasses.dataclass(frozen=True)
class OutgoingMail:
    """A rendered email, ready to send."""

    to: str
    subject: str
    text: str
    html: str
    sender_name: str
    reply_to: str | None = None


def build_sign_in_mail(*, to: str, code: str, org_name: str, primary_color: str, language: str) -> OutgoingMail:
    """Render the sign-in code email in the customer's language and the org's colours."""
    language = normalize_language(language)
    context = {
        "language": language,
        "org": org_name,
        "code": code,
        "primary": primary_color,
        "on_primary": readable_foreground(primary_color),
        "subject": translate("mail.sign_in.subject", language, org=org_name),
        "greeting": translate("mail.sign_in.greeting", language),
        "body": translate("mail.sign_in.body", language, org=org_name),
        "validity": translate("mail.sign_in.validity", language),
        "ignore": translate("mail.sign_in.ignore", language),
        "signature": translate("mail.sign_in.signature", language, org=org_name),
    }
    return OutgoingMail(
        to=to,
        subject=context["subject"],
        text=_templates.get_template("sign_in_code.txt").render(context),
        html=_templates.get_template("sign_in_code.html").render(context),
        sender_name=org_name,
    )


def build_notice_mail(
    *,
    to: str,
    subject: str,
    paragraphs: list[str],
    org_name: str,
    primary_color: str,
    language: str,
    reply_to: str | None = None,
) -> OutgoingMail:
    """Render a plain notice (greeting, paragraphs, signature) in the org's colours."""
    language = normalize_language(language)
    context = {
        "language": language,
        "org": org_name,
        "primary": primary_color,
        "on_primary": readable_foreground(primary_color),
        "subject": subject,
        "greeting": translate("mail.sign_in.greeting", language),
        "paragraphs": paragraphs,
        "signature": translate("mail.sign_in.signature", language, org=org_name),
    }
    return OutgoingMail(
        to=to,
        subject=subject,
        text=_templates.get_template("notice.txt").render(context),
        html=_templates.get_template("notice.html").render(context),
        sender_name=org_name,
        reply_to=reply_to,
    )


def _message(mail: OutgoingMail, settings: Settings) -> emails.Message:
    headers = {"Message-ID": email.utils.make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)}
    if mail.reply_to:
        headers["Reply-To"] = mail.reply_to
    return emails.Message(
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        mail_from=(mail.sender_name, settings.mail_from),
        mail_to=mail.to,
        headers=headers,
    )


def send_mail(mail: OutgoingMail, settings: Settings) -> None:
    """Deliver a message over SMTP, or into the outbox folder when no SMTP host is set.

    Raises:
        MailDeliveryError: The SMTP server refused the message or could not be reached.
    """
    message = _message(mail, settings)
    if not settings.smtp_host:
        path = write_to_outbox(message, settings.outbox_dir)
        logger.info("Mail %r written to %s", mail.subject, path.name)
        return

    smtp: dict[str, object] = {
        "host": settings.smtp_host,
        "port": settings.smtp_port,
        "timeout": 15,
        "ssl": settings.smtp_security == "ssl",
        "tls": settings.smtp_security == "starttls",
    }
    if settings.smtp_user:
        smtp["user"] = settings.smtp_user
        smtp["password"] = settings.smtp_password
    response = message.send(smtp=smtp)
    if response is None or response.status_code != 250:
        status = getattr(response, "status_code", None)
        error = getattr(response, "error", None)
        logger.error("SMTP delivery to %s failed: status %s, %s", settings.smtp_host, status, error)
        msg = f"SMTP server {settings.smtp_host}:{settings.smtp_port} did not accept the message (status {status})."
        raise MailDeliveryError(msg)
    logger.info("Mail %r sent through %s", mail.subject, settings.smtp_host)


def write_to_outbox(message: emails.Message, outbox_dir: Path) -> Path:
    """Write a message as one .eml file, named by time and a random suffix."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox_dir / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_text(message.as_string(), encoding="utf-8")
    return path
