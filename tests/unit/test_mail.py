import email
import re
import socket
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from nomos_portal.models import Plan
from nomos_portal.services import mail, sign_in
from nomos_portal.settings import Settings, load_settings
from tests.conftest import TEST_SECRET_KEY


class Inbox:
    """aiosmtpd handler that keeps every received message."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def smtp_settings(port: int, tmp_path: Path) -> Settings:
    return load_settings(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_SECURITY": "none",
            "MAIL_FROM": "portal@customerportal.localhost",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
    )


def test_sign_in_code_travels_over_smtp(smtp_server, tmp_path: Path, session: Session, acme: Plan, now):
    controller, inbox = smtp_server
    issued = sign_in.request_code(
        session, plan=acme, email="jonas.becker@example.com", secret_key=TEST_SECRET_KEY, now=now
    )
    message = mail.build_sign_in_mail(
        to=issued.customer.email, code=issued.code, org_name="Acme", primary_color="#0b5fff", language="en"
    )
    mail.send_mail(message, smtp_settings(controller.port, tmp_path))

    assert len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received["To"] == "jonas.becker@example.com"
    assert received["Subject"] == "Your sign-in code for the Acme customer portal"
    assert "Acme" in received["From"]
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert code in html
    customer = sign_in.verify_code(
        session, plan=acme, email="jonas.becker@example.com", code=code, secret_key=TEST_SECRET_KEY, now=now
    )
    assert customer.email == "jonas.becker@example.com"
    assert not (tmp_path / "outbox").exists()


def test_german_mail_for_german_customer():
    message = mail.build_sign_in_mail(
        to="a@example.com", code="123456", org_name="Lumio", primary_color="#c2185b", language="de"
    )
    assert message.subject == "Ihr Anmeldecode für das Lumio Kundenportal"
    assert "123456" in message.text
    assert 'lang="de"' in message.html


def test_html_escapes_org_name():
    message = mail.build_sign_in_mail(
        to="a@example.com", code="123456", org_name="<b>Evil</b>", primary_color="#c2185b", language="de"
    )
    assert "<b>Evil</b>" not in message.html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in message.html


def test_outbox_without_smtp(tmp_path: Path):
    settings = load_settings({"OUTBOX_DIR": str(tmp_path / "outbox")})
    message = mail.build_sign_in_mail(
        to="a@example.com", code="654321", org_name="Acme", primary_color="#0b5fff", language="de"
    )
    mail.send_mail(message, settings)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert "654321" in parsed.get_body(preferencelist=("plain",)).get_content()


def test_unreachable_smtp_raises(tmp_path: Path):
    settings = smtp_settings(free_port(), tmp_path)
    message = mail.build_sign_in_mail(
        to="a@example.com", code="123456", org_name="Acme", primary_color="#0b5fff", language="de"
    )
    with pytest.raises(mail.MailDeliveryError):
        mail.send_mail(message, settings)
