"""Oversized and malformed input on every form, and escaping of what is stored.

Each form is driven through its page state as the browser would. A rejected
entry must leave the tables a form can write unchanged and show a message
in German and English. SQL metacharacters and HTML in names are valid text:
they must be stored as typed and come out as text in mails and PDFs.
"""

import datetime
import email
import email.policy
import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from nomos_portal import clock, i18n
from nomos_portal.models import Customer, Invoice, Org, Plan, Subscription
from nomos_portal.routes import create_api
from nomos_portal.services import consumption, help_center, readings, support
from nomos_portal.services.spot_prices import berlin_date
from nomos_portal.states.account import AccountState
from nomos_portal.states.consumption import ConsumptionState
from nomos_portal.states.help import ContactState, HelpState
from nomos_portal.states.invoices import InvoicesState
from nomos_portal.states.login import LoginState
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.portal import PortalState
from nomos_portal.states.tariff import TariffState
from tests.unit.state_driver import call, make_state, page_url, redirect_path, session_cookie, use_language
from tests.unit.test_abuse_access import choose

JONAS = "jonas.becker@example.com"
ANNA = "anna.schmidt@example.com"
VALID_IBAN = "DE89370400440532013000"
TEN_MB = "x" * 10_000_000
SCRIPT = "<script>alert(1)</script>"
SQL = "x'); DROP TABLE customer; --"

# Entries that no text field may accept: oversized, or with control or format characters.
BAD_TEXT = {
    "10 MB": TEN_MB,
    "NUL": "Becker\x00Jonas",
    "CR LF": "Becker\r\nBcc: someone@example.com",
    "RTL override": "Becker\u202etxt.exe",
    "zero-width space": "Bec\u200bker",
    "DEL": "Becker\x7f",
    "C1 control": "Becker\x9b",
}


def padded(valid: str, tail: str = "x") -> str:
    """A valid entry, blanks past any length a form might cut at, then more text.

    Cutting such an entry and trimming the blanks would turn it into the valid entry, so
    every form must check the whole of it.
    """
    return f"{valid}{' ' * 5000}{tail}"


# For fields with a fixed format (codes, postcodes, IBANs, numbers, dates), HTML and SQL are malformed too.
BAD_FORMATTED = {**BAD_TEXT, "HTML": SCRIPT, "SQL": SQL}
# Tables a form can write to.
FORM_TABLES = (
    "customer",
    "subscription",
    "payment_method",
    "audit_log_entry",
    "sign_in_code",
    "email_change_code",
    "portal_session",
    "meter_reading",
    "meter_swap",
    "termination",
    "meter_order",
    "support_message",
)


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every row of the tables a form can write to."""
    session.expire_all()
    rows = {}
    for name in FORM_TABLES:
        table = SQLModel.metadata.tables[name]
        rows[name] = list(session.connection().execute(sa.select(table).order_by(*table.primary_key.columns)))
    return rows


def messages_in_both_languages(state, attribute: str) -> dict[str, str]:
    """Read a message var in German and English, checking that each is a real translated sentence."""
    shown = {}
    for language in i18n.LANGUAGES:
        use_language(state, language)
        text = getattr(state, attribute)
        assert text, f"no {language} message in {attribute}"
        assert "_error." not in text and "error." not in text and "{" not in text, text
        shown[language] = text
    assert shown["de"] != shown["en"]
    return shown


def signed_in(session: Session, state_class, path: str, *, email: str = JONAS, number: str | None = None):
    """A page state of a signed-in customer that has run its on-load handler."""
    cookie = session_cookie(session, slug="acme-power", email=email)
    if number is not None:
        choose(session, cookie, number)
    state = make_state(state_class, url=page_url("acme-power", path), cookie=cookie)
    assert redirect_path(call(state, state_class.load)) is None
    return state


# -- sign-in -------------------------------------------------------------------------


BAD_EMAILS = [
    TEN_MB,
    "anna.schmidt@example.com\x00",
    "anna.schmidt@example.com\r\nBcc: someone@example.com",
    "anna.schmidt\u202e@example.com",
    "anna.schmidt\u200b@example.com",
    f"{SCRIPT}@example.com",
    "<anna.schmidt@example.com>",
    "anna'); DROP TABLE customer;--@example.com",
    '"anna schmidt"@example.com',
    padded(ANNA),
]


def test_sign_in_email_rejects_bad_input(session: Session):
    before = snapshot(session)
    for entry in BAD_EMAILS:
        page = make_state(LoginState, url=page_url("acme-power", "/login"))
        call(page, LoginState.load)
        call(page, LoginState.request_code, {"email": entry})
        assert page.error_key == "error.invalid_email", entry[:80]
        assert page.step == "email"
        messages_in_both_languages(page, "error_message")
    assert snapshot(session) == before


def test_sign_in_code_rejects_bad_input(session: Session):
    page = make_state(LoginState, url=page_url("acme-power", "/login"))
    call(page, LoginState.load)
    call(page, LoginState.request_code, {"email": JONAS})
    before = snapshot(session)
    for entry in [*BAD_FORMATTED.values(), "١٢٣٤٥٦", "12345", padded("123456", "7")]:
        assert call(page, LoginState.verify_code, {"code": entry}) == []
        assert page.error_key == "error.code_format", entry[:80]
        messages_in_both_languages(page, "error_message")
    # A malformed code costs no attempt.
    assert snapshot(session) == before


# -- account: personal details, email, payment, billing address ---------------------


PERSON = {"customer_type": "person", "first_name": "Jonas", "last_name": "Becker", "phone": "", "vat_id": ""}
COMPANY = {**PERSON, "customer_type": "company", "company_name": "Becker Solar GmbH"}
# Valid values whose padded form (blanks collapsed) would be valid too, so only its length can reject it.
PADDED_DETAILS = {
    "first_name": padded("Jonas"),
    "last_name": padded("Becker"),
    "phone": padded("+49 221 123456", "7"),
    "company_name": padded("Becker Solar GmbH"),
    "vat_id": padded("DE123456789", "0"),
}


@pytest.mark.parametrize(
    ("valid", "field"),
    [
        (PERSON, "first_name"),
        (PERSON, "last_name"),
        (PERSON, "phone"),
        (COMPANY, "company_name"),
        (COMPANY, "vat_id"),
    ],
)
def test_personal_details_reject_bad_input(session: Session, valid, field):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for name, entry in {**BAD_TEXT, "padded": PADDED_DETAILS[field]}.items():
        for key, value in {**valid, field: entry}.items():
            call(page, AccountState.edit, key, value)
        call(page, AccountState.save_details)
        assert page.details_message_is_error, name
        assert page.details_message_key.startswith("account_error."), name
        messages_in_both_languages(page, "details_message")
    assert snapshot(session) == before


def test_customer_type_rejects_unknown_value(session: Session):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for entry in ["robot", SCRIPT, "", TEN_MB]:
        call(page, AccountState.edit, "customer_type", entry)
        call(page, AccountState.save_details)
        assert page.details_message_key == "account_error.invalid_type", entry[:80]
        messages_in_both_languages(page, "details_message")
    assert snapshot(session) == before


def test_email_change_rejects_bad_address(session: Session):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for entry in [*BAD_EMAILS, "jonas.new@example.com\x00", "jonas.new\u202e@example.com"]:
        call(page, AccountState.request_email_change, {"new_email": entry})
        assert page.email_message_key == "error.invalid_email", entry[:80]
        assert page.email_step == "form"
        messages_in_both_languages(page, "email_message")
    assert snapshot(session) == before


def test_email_change_rejects_bad_code(session: Session):
    page = signed_in(session, AccountState, "/account")
    call(page, AccountState.request_email_change, {"new_email": "jonas.new@example.com"})
    assert page.email_step == "code"
    before = snapshot(session)
    for name, entry in {**BAD_FORMATTED, "padded": padded("123456", "7")}.items():
        call(page, AccountState.confirm_email_change, {"email_code": entry})
        assert page.email_message_key == "error.code_format", name
        messages_in_both_languages(page, "email_message")
    assert snapshot(session) == before


BAD_PAYMENTS = (
    [("account_holder", value) for value in BAD_TEXT.values()]
    + [("iban", value) for value in BAD_FORMATTED.values()]
    + [("iban", f"{VALID_IBAN}\x00"), ("iban", "DE89\u202e370400440532013000")]
    + [("account_holder", padded("Jonas Becker", "x" * 200)), ("iban", padded(VALID_IBAN, "0"))]
)


def test_payment_method_rejects_bad_input(session: Session):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for field, entry in BAD_PAYMENTS:
        form = {"account_holder": "Jonas Becker", "iban": VALID_IBAN, "mandate": "on", field: entry}
        call(page, AccountState.save_payment, form)
        assert page.payment_message_is_error, (field, entry[:80])
        messages_in_both_languages(page, "payment_message")
    assert snapshot(session) == before


def test_payment_type_rejects_unknown_value(session: Session):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for entry in ["paypal", SCRIPT, TEN_MB]:
        call(page, AccountState.edit, "payment_choice", entry)
        call(page, AccountState.save_payment, {"account_holder": "Jonas Becker", "iban": VALID_IBAN, "mandate": "on"})
        assert page.payment_message_key == "account_error.invalid_payment_type", entry[:80]
        messages_in_both_languages(page, "payment_message")
    assert snapshot(session) == before


VALID_ADDRESS = {"street": "Hauptstraße", "house_number": "7b", "zip": "50667", "city": "Köln"}
BAD_ADDRESSES = [(field, value) for field in VALID_ADDRESS for value in BAD_TEXT.values()] + [
    ("zip", SCRIPT),
    ("zip", SQL),
    ("house_number", SCRIPT),
    # Too long, though the first characters form a valid postcode or house number.
    ("zip", "50667" + " " * 20 + "99"),
    ("house_number", "7b" + " " * 30 + "x"),
    ("zip", padded("50667", "99")),
    ("street", padded("Hauptstraße", "x" * 100)),
]


def test_billing_address_rejects_bad_input(session: Session):
    page = signed_in(session, AccountState, "/account")
    before = snapshot(session)
    for field, entry in BAD_ADDRESSES:
        for name, value in {**VALID_ADDRESS, field: entry}.items():
            call(page, AccountState.edit, f"billing_{name}", value)
        call(page, AccountState.save_billing_address)
        assert page.billing_message_is_error, (field, entry[:80])
        assert page.billing_message_key.startswith("contract_error.")
        messages_in_both_languages(page, "billing_message")
    assert snapshot(session) == before


def test_names_keep_sql_and_html_as_typed(session: Session):
    page = signed_in(session, AccountState, "/account")
    call(page, AccountState.edit, "first_name", SQL)
    call(page, AccountState.edit, "last_name", SCRIPT)
    call(page, AccountState.save_details)
    assert page.details_message_key == "account.details_saved"
    customer = session.exec(select(Customer).where(Customer.email == JONAS)).one()
    session.refresh(customer)
    assert (customer.first_name, customer.last_name) == (SQL, SCRIPT)
    assert page.customer_name == f"{SQL} {SCRIPT}"
    assert len(session.exec(select(Customer)).all()) == 6


# -- meter readings and consumption navigation ---------------------------------------


def reading_page(session: Session) -> ConsumptionState:
    return signed_in(session, ConsumptionState, "/consumption", email=ANNA, number="ACME-100002")


def valid_reading(session: Session) -> dict[str, str]:
    subscription = session.exec(select(Subscription).where(Subscription.number == "ACME-100002")).one()
    last = readings.list_readings(session, subscription_id=subscription.id)[-1].value_kwh
    day = berlin_date(clock.now()) - datetime.timedelta(days=1)
    return {"reading_date": day.isoformat(), "reading_value": str(last + Decimal(5)), "reading_note": ""}


BAD_READINGS = (
    [("reading_value", value) for value in BAD_FORMATTED.values()]
    + [("reading_date", value) for value in BAD_FORMATTED.values()]
    + [("reading_date", "9999-12-31"), ("reading_date", "0001-01-01"), ("reading_value", "1e9")]
    + [("reading_value", padded("1234", "x")), ("reading_note", padded("Keller", "x" * 500))]
    + [("reading_note", value) for name, value in BAD_TEXT.items() if name != "CR LF"]
)


def test_meter_reading_rejects_bad_input(session: Session):
    page = reading_page(session)
    valid = valid_reading(session)
    before = snapshot(session)
    for field, entry in BAD_READINGS:
        call(page, ConsumptionState.submit_reading, {**valid, field: entry})
        assert page.reading_error_key, (field, entry[:80])
        assert not page.reading_needs_confirmation
        messages_in_both_languages(page, "reading_error")
    assert snapshot(session) == before


def test_meter_reading_note_keeps_lines_and_html(session: Session):
    page = reading_page(session)
    note = f"Zähler im Keller\r\n{SCRIPT}\t{SQL}"
    call(page, ConsumptionState.submit_reading, {**valid_reading(session), "reading_note": note})
    assert page.reading_error_key == ""
    subscription = session.exec(select(Subscription).where(Subscription.number == "ACME-100002")).one()
    assert readings.list_readings(session, subscription_id=subscription.id)[-1].note == note


def test_consumption_navigation_survives_bad_input(session: Session):
    page = signed_in(session, ConsumptionState, "/consumption")
    anchor = page.anchor
    cases = [
        ("set_view", SCRIPT),
        ("set_view", TEN_MB),
        ("shift", 10**9),
        ("shift", -(10**9)),
        ("shift", "many"),
        ("pick_date", "9999-12-31"),
        ("pick_date", "0001-01-01"),
        ("pick_date", TEN_MB),
        ("pick_date", SQL),
        # The browser can send any JSON value, whatever the handler's annotation says.
        ("set_view", ["week"]),
        ("shift", None),
        ("shift", float("nan")),
        ("pick_date", 20260101),
        ("pick_date", None),
    ]
    for handler, argument in cases:
        call(page, getattr(ConsumptionState, handler), argument)
        assert page.view in consumption.VIEWS
        datetime.date.fromisoformat(page.anchor)
    # Large steps count as one step each way, so the page is back where it started.
    assert page.anchor == anchor


# -- tariff: cancellation and meter swap -----------------------------------------------


BAD_CANCELLATIONS = (
    [{"reason": value} for value in BAD_FORMATTED.values()]
    + [{"reason": "ORDINARY", "end_date": value} for value in BAD_FORMATTED.values()]
    + [
        {"reason": "MOVE_OUT", "move_out_date": "2027-01-31", **VALID_ADDRESS, field: value}
        for field, value in BAD_ADDRESSES
    ]
)


def test_cancellation_rejects_bad_input(session: Session):
    page = signed_in(session, TariffState, "/tariff")
    before = snapshot(session)
    for form in BAD_CANCELLATIONS:
        call(page, TariffState.check_cancellation, form)
        assert page.message_key.startswith("contract_error."), {key: value[:80] for key, value in form.items()}
        assert page.message_is_error
        assert page.cancel_step == "form"
        messages_in_both_languages(page, "message")
        # Confirming without a checked form stores nothing either.
        call(page, TariffState.confirm_cancellation)
        assert page.message_is_error
    assert snapshot(session) == before


VALID_SWAP = {
    "swap_date": "2026-12-01",
    "old_final_reading": "100",
    "new_meter_number": "1EBZ0100500000",
    "new_start_reading": "0",
}


def test_meter_swap_rejects_bad_input(session: Session):
    page = signed_in(session, TariffState, "/tariff")
    before = snapshot(session)
    for field in VALID_SWAP:
        for name, entry in {**BAD_FORMATTED, "padded": padded(VALID_SWAP[field])}.items():
            call(page, TariffState.report_swap, {**VALID_SWAP, field: entry})
            assert page.swap_message_is_error, (field, name)
            messages_in_both_languages(page, "swap_message")
    assert snapshot(session) == before


# -- contact form, help search, language, invoice pages --------------------------------


CONTACT = {"topic": "invoices", "message": "Bitte um Rückruf.", "reference": "", "email": "visitor@example.com"}
BAD_CONTACT = (
    [("topic", value) for value in BAD_FORMATTED.values()]
    + [("message", value) for name, value in BAD_TEXT.items() if name != "CR LF"]
    + [("reference", value) for value in BAD_FORMATTED.values()]
    + [("email", value) for value in BAD_FORMATTED.values()]
    + [("message", padded("Bitte um Rückruf.")), ("reference", padded("ACME-100003")), ("email", padded(ANNA))]
)


@pytest.mark.parametrize("signed", [False, True], ids=["visitor", "customer"])
def test_contact_form_rejects_bad_input(session: Session, signed):
    if signed:
        page = signed_in(session, ContactState, "/help/contact")
    else:
        page = make_state(ContactState, url=page_url("acme-power", "/help/contact"))
        call(page, ContactState.load)
    before = snapshot(session)
    for field, entry in BAD_CONTACT:
        if signed and field == "email":
            # Signed-in customers send from their stored address; the field is ignored.
            continue
        call(page, ContactState.send, {**CONTACT, field: entry})
        assert page.error_key, (field, entry[:80])
        assert page.sent_text == ""
        messages_in_both_languages(page, "error_message")
    assert snapshot(session) == before


def test_help_search_caps_query(portal_env):
    page = make_state(HelpState, url=page_url("acme-power", f"/help?q={'x' * 5000}"))
    call(page, HelpState.load)
    assert len(page.query) <= help_center.MAX_QUERY_LENGTH
    call(page, HelpState.search, {"q": TEN_MB})
    assert len(page.query) <= help_center.MAX_QUERY_LENGTH
    assert page.results == []
    call(page, HelpState.search, {"q": f"{SCRIPT} {SQL} \x00"})
    assert isinstance(page.results, list)


def test_price_tab_accepts_only_known_tabs(session: Session):
    page = signed_in(session, OverviewState, "/overview")
    for entry in ["yesterday", SCRIPT, TEN_MB, ["today"], ""]:
        call(page, OverviewState.show_prices, entry)
        assert page.price_tab == "today"
    call(page, OverviewState.show_prices, "tomorrow")
    assert page.price_tab == "tomorrow"


def test_language_switch_accepts_only_known_languages(session: Session):
    visitor = make_state(PortalState, url=page_url("acme-power", "/login"))
    page = signed_in(session, AccountState, "/account")
    customer = session.exec(select(Customer).where(Customer.email == JONAS)).one()
    for entry in ["fr", SCRIPT, TEN_MB, "\x00", "", "EN\r\n", ["en"], None, 1]:
        call(visitor, PortalState.set_language, entry)
        assert visitor.lang in i18n.LANGUAGES
        call(page, AccountState.change_language, entry)
        assert page.lang in i18n.LANGUAGES
        session.refresh(customer)
        assert customer.locale in i18n.LANGUAGES


def test_invoice_page_number_clamped(invoiced_session: Session):
    page = signed_in(invoiced_session, InvoicesState, "/invoices")
    assert redirect_path(call(page, InvoicesState.go_to_page, 10**12)) == f"/invoices?page={page.page_count}"
    assert redirect_path(call(page, InvoicesState.go_to_page, -(10**12))) == "/invoices?page=1"
    for odd in ["many", None, [2], "9" * 5000, float("inf")]:
        assert call(page, InvoicesState.go_to_page, odd) == [], repr(odd)[:40]
    huge = make_state(
        InvoicesState, url=page_url("acme-power", f"/invoices?page={'9' * 30}"), cookie=page.router.headers.cookie
    )
    call(huge, InvoicesState.load)
    assert huge.page_number == huge.page_count
    for odd in ["9" * 5000, "²", "١٢", "-1", "1e3"]:
        state = make_state(
            InvoicesState, url=page_url("acme-power", f"/invoices?page={odd}"), cookie=page.router.headers.cookie
        )
        call(state, InvoicesState.load)
        assert state.page_number == (state.page_count if odd == "9" * 5000 else 1), odd[:40]


# -- escaping of stored HTML -------------------------------------------------------------


def test_html_name_is_text_in_support_mail(session: Session, acme: Plan):
    customer = session.exec(select(Customer).where(Customer.email == JONAS)).one()
    customer.first_name = SCRIPT
    session.add(customer)
    session.commit()
    submission = support.submit(
        session,
        plan=acme,
        customer=customer,
        subscription_number="ACME-100003",
        topic="other",
        message="Hallo",
        reference="",
        email="",
        now=datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC),
    )
    assert SCRIPT not in submission.to_support.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in submission.to_support.html
    assert SCRIPT in submission.to_support.text


def sent_mails(outbox: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def test_html_typed_into_forms_is_text_in_sent_mails(session: Session, tmp_path: Path):
    # Typed through the forms as a customer would: the name on the account page, then a contact message.
    account_page = signed_in(session, AccountState, "/account")
    call(account_page, AccountState.edit, "first_name", SCRIPT)
    call(account_page, AccountState.edit, "last_name", '<img src=x onerror="alert(2)">')
    call(account_page, AccountState.save_details)
    assert account_page.details_message_key == "account.details_saved"
    contact_page = signed_in(session, ContactState, "/help/contact")
    message = f"Hallo\n{SCRIPT}\n<a href='javascript:alert(3)'>Link</a> & {SQL}"
    call(contact_page, ContactState.send, {**CONTACT, "message": message, "reference": "INV-1"})
    assert contact_page.error_key == ""

    mails = sent_mails(tmp_path / "outbox")
    # One to customer service, one copy to the customer.
    assert len(mails) == 2
    for sent in mails:
        html = sent.get_body(("html",)).get_content()
        text = sent.get_body(("plain",)).get_content()
        for raw in ("<script", "<img", "<a href", 'onerror="alert'):
            assert raw not in html, raw
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert SCRIPT in text
    to_support = next(sent for sent in mails if sent["To"] != JONAS)
    assert "&lt;img src=x onerror=" in to_support.get_body(("html",)).get_content()


def test_html_name_is_text_in_invoice_pdf(invoiced_session: Session):
    customer = invoiced_session.exec(select(Customer).where(Customer.email == JONAS)).one()
    customer.first_name = SCRIPT
    customer.last_name = SQL
    org = invoiced_session.exec(select(Org).join(Plan, Plan.org_id == Org.id).where(Plan.slug == "acme-power")).one()
    org.name = "<b>Acme</b> & Co"
    invoiced_session.add(customer)
    invoiced_session.add(org)
    invoiced_session.commit()
    subscription = invoiced_session.exec(select(Subscription).where(Subscription.number == "ACME-100003")).one()
    # Valid street and city entries; the PDF library must not read them as its markdown or HTML either.
    subscription.billing_address_street = "<b>Haupt</b>straße **fett** __unter__"
    subscription.billing_address_house_number = "7b"
    subscription.billing_address_zip = "50667"
    subscription.billing_address_city = "Köln <i>&amp;</i>"
    invoiced_session.add(subscription)
    invoiced_session.commit()
    invoice = invoiced_session.exec(select(Invoice).where(Invoice.subscription_id == subscription.id)).first()

    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    client = TestClient(create_api(), base_url="http://acme-power.localhost:8000")
    response = client.get(f"/api/invoices/{invoice.id}/pdf", headers={"cookie": cookie})
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"{SCRIPT} {SQL}" in text
    assert "<b>Acme</b> & Co" in text
    assert "<b>Haupt</b>straße **fett** __unter__ 7b" in text
    assert "50667 Köln <i>&amp;</i>" in text
