import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from nomos_portal.models import Customer, Plan, SupportMessage
from nomos_portal.services import mail, support
from tests.unit.test_mail import Inbox, free_port, smtp_settings

NOW = datetime.datetime(2026, 3, 28, 13, 5, tzinfo=datetime.UTC)


@pytest.fixture
def inbox():
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, received
    controller.stop()


def customer(session: Session, email: str) -> Customer:
    return session.exec(select(Customer).where(Customer.email == email)).one()


def stored(session: Session) -> int:
    return session.exec(select(func.count()).select_from(SupportMessage)).one()


def submit(
    session, plan, sender=None, *, now=NOW, email="", message="Bitte um Rückruf.", reference="", topic="invoices"
):
    return support.submit(
        session,
        plan=plan,
        customer=sender,
        subscription_number="ACME-100002" if sender is not None else "",
        topic=topic,
        message=message,
        reference=reference,
        email=email,
        now=now,
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"topic": "weather"}, "invalid_topic"),
        ({"message": ""}, "message_missing"),
        ({"message": " \n\t "}, "message_missing"),
        ({"message": "x" * (support.MAX_MESSAGE_LENGTH + 1)}, "message_too_long"),
        ({"message": "Hallo\x00Welt"}, "message_control_characters"),
        ({"message": "Hallo \x1b[31m"}, "message_control_characters"),
        ({"message": "Rechnung \u202egnunhcer"}, "message_control_characters"),
        ({"reference": "R" * (support.MAX_REFERENCE_LENGTH + 1)}, "reference_too_long"),
        ({"reference": "<script>"}, "invalid_reference"),
        ({"reference": "RE-1\nBcc: x@example.com"}, "invalid_reference"),
        ({"email": "not-an-address"}, "invalid_email"),
        ({"email": "a@example.com\r\nBcc: b@example.com"}, "invalid_email"),
    ],
)
def test_invalid_input_rejected(fields: dict, code: str):
    values = {"topic": "invoices", "message": "Frage", "reference": "", "email": "a@example.com"} | fields
    with pytest.raises(support.ContactError) as caught:
        support.validate(**values)
    assert caught.value.code == code


def test_valid_input_trimmed():
    form = support.validate(
        topic="smart_meter",
        message="  Zeile 1\r\n\tZeile 2  ",
        reference=" ACME-100002 ",
        email=" Anna.Schmidt@Example.com ",
    )
    assert form.message == "Zeile 1\n\tZeile 2"
    assert form.reference == "ACME-100002"
    assert form.email == "anna.schmidt@example.com"


def test_bad_input_stores_nothing(session: Session, acme: Plan):
    anna = customer(session, "anna.schmidt@example.com")
    with pytest.raises(support.ContactError):
        submit(session, acme, anna, message="")
    assert stored(session) == 0


def test_customer_limited_to_five_an_hour(session: Session, acme: Plan):
    anna = customer(session, "anna.schmidt@example.com")
    for minute in range(support.MAX_MESSAGES_PER_SENDER):
        submit(session, acme, anna, now=NOW + datetime.timedelta(minutes=minute))
    with pytest.raises(support.TooManyMessagesError) as caught:
        submit(session, acme, anna, now=NOW + datetime.timedelta(minutes=10))
    assert caught.value.code == "too_many_messages"
    # The first message leaves the window at NOW + 60 min, 50 minutes after the rejected attempt.
    assert caught.value.details == {"minutes": 50}
    assert stored(session) == support.MAX_MESSAGES_PER_SENDER

    submit(session, acme, anna, now=NOW + datetime.timedelta(minutes=61))
    assert stored(session) == support.MAX_MESSAGES_PER_SENDER + 1


def test_limit_is_per_customer(session: Session, acme: Plan):
    anna = customer(session, "anna.schmidt@example.com")
    jonas = customer(session, "jonas.becker@example.com")
    for _ in range(support.MAX_MESSAGES_PER_SENDER):
        submit(session, acme, anna)
    submit(session, acme, jonas)


def test_visitor_limited_per_email(session: Session, acme: Plan):
    for _ in range(support.MAX_MESSAGES_PER_SENDER):
        submit(session, acme, email="visitor@example.net")
    with pytest.raises(support.TooManyMessagesError):
        submit(session, acme, email="Visitor@Example.net")
    submit(session, acme, email="someone.else@example.net")


def test_visitors_capped_per_plan(session: Session, acme: Plan, lumio: Plan):
    for number in range(support.MAX_ANONYMOUS_MESSAGES_PER_PLAN):
        session.add(
            SupportMessage(plan_id=acme.id, email=f"v{number}@example.net", topic="other", message="x", created_at=NOW)
        )
    session.commit()
    with pytest.raises(support.TooManyMessagesError):
        submit(session, acme, email="new@example.net")
    submit(session, lumio, email="new@example.net")
    submit(session, acme, customer(session, "anna.schmidt@example.com"))


def test_mails_reach_smtp_server(inbox, tmp_path: Path, session: Session, acme: Plan):
    port, received = inbox
    anna = customer(session, "anna.schmidt@example.com")
    submission = submit(session, acme, anna, reference="RE-2026-0042", message="Warum ist der Abschlag so hoch?")
    settings = smtp_settings(port, tmp_path)
    mail.send_mail(submission.to_support, settings)
    mail.send_mail(submission.copy, settings)

    assert len(received.messages) == 2
    to_support, copy = received.messages
    assert to_support["To"] == "service@acme-energie.example"
    assert to_support["Reply-To"] == "anna.schmidt@example.com"
    assert to_support["Subject"] == f"[Kundenportal] Rechnung – Kunde {anna.id}"
    text = to_support.get_body(preferencelist=("plain",)).get_content()
    assert f"Kundennummer: {anna.id}" in text
    assert "Bezug: RE-2026-0042" in text
    assert "Ausgewählter Vertrag: ACME-100002" in text
    assert "Warum ist der Abschlag so hoch?" in text

    assert copy["To"] == "anna.schmidt@example.com"
    assert copy["Reply-To"] == "service@acme-energie.example"
    assert copy["Subject"] == "Ihre Nachricht an Acme"
    assert "Warum ist der Abschlag so hoch?" in copy.get_body(preferencelist=("plain",)).get_content()


def test_copy_in_customer_language(session: Session, acme: Plan):
    jonas = customer(session, "jonas.becker@example.com")
    submission = submit(session, acme, jonas, topic="smart_meter")
    assert submission.copy.subject == "Your message to Acme"
    assert "Topic: Smart meter" in submission.copy.text
    # Customer service reads German.
    assert submission.to_support.subject == f"[Kundenportal] Smart Meter – Kunde {jonas.id}"


def test_visitor_gets_no_copy(session: Session, acme: Plan):
    submission = submit(session, acme, email="visitor@example.net")
    assert submission.copy is None
    assert submission.to_support.reply_to == "visitor@example.net"
    assert submission.to_support.subject == "[Kundenportal] Rechnung – Kunde nicht angemeldet"


def test_signed_in_customer_writes_from_stored_address(session: Session, acme: Plan):
    anna = customer(session, "anna.schmidt@example.com")
    submission = submit(session, acme, anna, email="someone@example.net")
    assert submission.to_support.reply_to == "anna.schmidt@example.com"
    assert submission.copy.to == "anna.schmidt@example.com"


def test_html_escapes_message(session: Session, acme: Plan):
    submission = submit(session, acme, email="visitor@example.net", message="<img src=x onerror=alert(1)>")
    assert "<img" not in submission.to_support.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in submission.to_support.html
