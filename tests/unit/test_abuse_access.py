"""Access with other customers' and other plans' ids, foreign sessions and forged hosts.

Every page state and the invoice download must treat an id that is not the
signed-in customer's on this plan exactly like an id that does not exist, and
must resolve the tenant from the page's own host only.
"""

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from nomos_portal.models import Customer, Invoice, PortalSession, Subscription
from nomos_portal.routes import create_api
from nomos_portal.services import sessions
from nomos_portal.states.account import AccountState
from nomos_portal.states.consumption import ConsumptionState
from nomos_portal.states.help import ContactState, HelpState
from nomos_portal.states.invoices import InvoiceDetailState, InvoicesState
from nomos_portal.states.login import LoginState
from nomos_portal.states.orders import OrdersState
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.subscriptions import SubscriptionsState
from nomos_portal.states.tariff import TariffState
from tests.unit.state_driver import call, make_state, page_url, redirect_path, session_cookie

JONAS = "jonas.becker@example.com"
ANNA = "anna.schmidt@example.com"
LEA = "lea.wagner@example.org"
BAKERY = "info@baeckerei-hoffmann.example"
# Larger than SQLite's 64-bit integers, which once made the database driver raise.
HUGE_ID = "99999999999999999999"

PROTECTED_PAGES = [
    (OverviewState, "/overview"),
    (ConsumptionState, "/consumption"),
    (TariffState, "/tariff"),
    (SubscriptionsState, "/subscriptions"),
    (OrdersState, "/orders"),
    (InvoicesState, "/invoices"),
    (InvoiceDetailState, "/invoices/1"),
    (AccountState, "/account"),
]
PUBLIC_PAGES = [(HelpState, "/help"), (ContactState, "/help/contact"), (LoginState, "/login")]


def subscription_of(session: Session, number: str) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == number)).one()


def first_invoice(session: Session, number: str) -> Invoice:
    subscription = subscription_of(session, number)
    return session.exec(select(Invoice).where(Invoice.subscription_id == subscription.id)).first()


def assert_signed_out(state) -> None:
    assert state.signed_in is False
    assert state.customer_name == ""
    assert state._customer_id is None
    assert state._subscription_id is None


# -- sessions on another plan's host and forged hosts --------------------------------


@pytest.mark.parametrize(("state_class", "path"), PROTECTED_PAGES)
def test_protected_page_rejects_other_plans_session(session: Session, state_class, path):
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    # The websocket may claim the session's own host; only the page's host counts.
    state = make_state(
        state_class, url=page_url("lumio", path), cookie=cookie, backend_host="acme-power.localhost:8000"
    )
    events = call(state, state_class.load)
    assert redirect_path(events).startswith("/login?next=")
    assert state.org_name != "Acme Power"
    assert_signed_out(state)


@pytest.mark.parametrize(("state_class", "path"), PUBLIC_PAGES)
def test_public_page_ignores_other_plans_session(session: Session, state_class, path):
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    state = make_state(state_class, url=page_url("lumio", path), cookie=cookie)
    call(state, state_class.load)
    assert state.tenant_status == "found"
    assert_signed_out(state)


@pytest.mark.parametrize(
    "host",
    [
        "nobody.localhost",
        "localhost",
        "127.0.0.1",
        "acme-power.localhost.evil.localhost",
        "acme-power.evil.localhost",
        "acme-power.localhost%00.lumio.localhost",
    ],
)
@pytest.mark.parametrize(("state_class", "path"), PROTECTED_PAGES + PUBLIC_PAGES)
def test_page_on_unknown_host_shows_no_tenant(session: Session, state_class, path, host):
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    state = make_state(state_class, url=f"http://{host}:3000{path}", cookie=cookie, backend_host="acme-power.localhost")
    events = call(state, state_class.load)
    assert state.tenant_status == "missing"
    assert state.org_name == ""
    assert redirect_path(events) is None
    assert_signed_out(state)


@pytest.mark.parametrize("host", ["ACME-POWER.localhost", "acme-power.localhost.", "Acme-Power.LOCALHOST.:3000"])
def test_same_plan_host_spellings_keep_own_session(session: Session, host):
    # The control case for the tests above: these spellings name the session's own plan.
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    state = make_state(AccountState, url=f"http://{host}/account", cookie=cookie)
    assert call(state, AccountState.load) == []
    assert state.signed_in
    assert state.email == JONAS


# -- invoice download --------------------------------------------------------------


def api_client() -> TestClient:
    return TestClient(create_api(), base_url="http://acme-power.localhost:8000", follow_redirects=False)


def pdf_request(
    client: TestClient, invoice_id: object, *, cookie: str, host: str = "acme-power.localhost:8000", **extra
):
    return client.get(f"/api/invoices/{invoice_id}/pdf", headers={"host": host, "cookie": cookie, **extra})


@pytest.mark.parametrize(
    ("host", "extra", "status"),
    [
        ("lumio.localhost:8000", {}, 401),
        ("LUMIO.LOCALHOST", {}, 401),
        ("lumio.localhost.", {}, 401),
        ("lumio.localhost", {"x-forwarded-host": "acme-power.localhost"}, 401),
        ("lumio.localhost", {"forwarded": "host=acme-power.localhost"}, 401),
        ("nobody.localhost:8000", {}, 404),
        ("localhost:8000", {}, 404),
        ("127.0.0.1:8000", {}, 404),
        ("evil.example", {"x-forwarded-host": "acme-power.localhost"}, 404),
        ("acme-power.localhost.evil.example", {}, 404),
        ("acme-power.localhost:8000:9000", {}, 404),
        ("acme-power.localhost@lumio.localhost", {}, 401),
        ("", {}, 404),
    ],
)
def test_pdf_with_forged_host_leaks_nothing(invoiced_session: Session, host, extra, status):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    invoice = first_invoice(invoiced_session, "ACME-100003")
    response = pdf_request(api_client(), invoice.id, cookie=cookie, host=host, **extra)
    assert response.status_code == status
    assert b"%PDF" not in response.content
    assert invoice.invoice_number.encode() not in response.content
    assert "content-disposition" not in response.headers


@pytest.mark.parametrize("host", ["ACME-POWER.localhost:8000", "acme-power.localhost.", "acme-power.localhost"])
def test_pdf_on_same_plan_host_spellings(invoiced_session: Session, host):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    invoice = first_invoice(invoiced_session, "ACME-100003")
    response = pdf_request(api_client(), invoice.id, cookie=cookie, host=host)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def choose(session: Session, cookie: str, number: str) -> None:
    """Make a subscription the session's current one, as the subscription page does."""
    token = sessions.read_cookie(cookie)
    row = session.exec(select(PortalSession).where(PortalSession.token_hash == sessions.hash_token(token))).one()
    row.subscription_id = subscription_of(session, number).id
    session.add(row)
    session.commit()


def test_pdf_of_any_foreign_invoice_is_like_missing(invoiced_session: Session):
    client = api_client()
    jonas_cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    anna_cookie = session_cookie(invoiced_session, slug="acme-power", email=ANNA)
    # Anna's analog contract has no invoices; her smart one has.
    choose(invoiced_session, anna_cookie, "ACME-100002")
    cases = [
        (jonas_cookie, first_invoice(invoiced_session, "ACME-100001").id),
        (jonas_cookie, first_invoice(invoiced_session, "ACME-100004").id),
        (jonas_cookie, first_invoice(invoiced_session, "LUM-2025-0042").id),
        (anna_cookie, first_invoice(invoiced_session, "ACME-100001").id),
        (anna_cookie, first_invoice(invoiced_session, "ACME-100003").id),
    ]
    missing = pdf_request(client, 999_999, cookie=jonas_cookie)
    assert missing.status_code == 404
    for cookie, invoice_id in cases:
        response = pdf_request(client, invoice_id, cookie=cookie)
        assert response.status_code == 404, invoice_id
        assert response.content == missing.content
        assert dict(response.headers) == dict(missing.headers)


def test_pdf_of_huge_id_is_like_missing(invoiced_session: Session):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    client = api_client()
    missing = pdf_request(client, 999_999, cookie=cookie)
    huge = pdf_request(client, HUGE_ID, cookie=cookie)
    assert huge.status_code == 404
    assert huge.content == missing.content


# -- invoice page ---------------------------------------------------------------------


def invoice_page(cookie: str, invoice_id: object) -> InvoiceDetailState:
    state = make_state(InvoiceDetailState, url=page_url("acme-power", f"/invoices/{invoice_id}"), cookie=cookie)
    call(state, InvoiceDetailState.load)
    return state


def shown_invoice(state: InvoiceDetailState) -> dict[str, object]:
    return {
        "found": state.found,
        "number": state.invoice_number,
        "facts": state.fact_rows,
        "lines": state.line_rows,
        "totals": state.total_rows,
        "days": state.day_rows,
        "payment": state.payment_text,
        "pdf": state.pdf_url,
    }


def test_invoice_page_of_foreign_invoice_is_like_missing(invoiced_session: Session):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    own = shown_invoice(invoice_page(cookie, first_invoice(invoiced_session, "ACME-100003").id))
    assert own["found"] is True
    assert own["lines"]

    missing = shown_invoice(invoice_page(cookie, 999_999))
    assert missing["found"] is False
    foreign_ids = [
        first_invoice(invoiced_session, number).id for number in ("ACME-100001", "ACME-100004", "LUM-2025-0042")
    ]
    for raw_id in [*foreign_ids, "0", "-1", "1%20OR%201=1", "%3Cscript%3E"]:
        assert shown_invoice(invoice_page(cookie, raw_id)) == missing, raw_id


def test_invoice_page_of_huge_or_odd_number_is_like_missing(invoiced_session: Session):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    missing = shown_invoice(invoice_page(cookie, 999_999))
    # Above SQLite's 64-bit integers, beyond the digits Python parses, and digits `int` rejects.
    for raw_id in [HUGE_ID, "9" * 5000, "²", "١٢", "0" * 30 + "1x"]:
        assert shown_invoice(invoice_page(cookie, raw_id)) == missing, raw_id[:40]


def test_invoice_page_with_leading_zeros_shows_the_invoice(invoiced_session: Session):
    cookie = session_cookie(invoiced_session, slug="acme-power", email=JONAS)
    invoice_id = first_invoice(invoiced_session, "ACME-100003").id
    padded = shown_invoice(invoice_page(cookie, f"000{invoice_id}"))
    assert padded["found"] is True
    assert padded == shown_invoice(invoice_page(cookie, invoice_id))


# -- subscription choice --------------------------------------------------------------


def test_choosing_foreign_subscription_is_like_missing(session: Session):
    cookie = session_cookie(session, slug="acme-power", email=ANNA)
    foreign = [subscription_of(session, number).id for number in ("ACME-100003", "LUM-2025-0042")]
    outcomes = []
    for raw_id in [*map(str, foreign), "999999", HUGE_ID, "-1", "1 OR 1=1", "", "<script>", "9" * 5000, None, [1]]:
        state = make_state(SubscriptionsState, url=page_url("acme-power", "/subscriptions"), cookie=cookie)
        events = call(state, SubscriptionsState.choose, raw_id)
        outcomes.append((state.error_key, events))
    assert outcomes == [("error.subscription_not_found", [])] * len(outcomes)
    token = sessions.read_cookie(cookie)
    row = session.exec(select(PortalSession).where(PortalSession.token_hash == sessions.hash_token(token))).one()
    assert row.subscription_id is None


def test_customer_ids_never_reach_the_page(session: Session):
    # Pages take no customer id from the browser: the session decides whose data loads.
    cookie = session_cookie(session, slug="acme-power", email=JONAS)
    anna = session.exec(select(Customer).where(Customer.email == ANNA)).one()
    state = make_state(
        AccountState, url=page_url("acme-power", f"/account?customer_id={anna.id}&id={anna.id}"), cookie=cookie
    )
    call(state, AccountState.load)
    call(state, AccountState.edit, "_customer_id", str(anna.id))
    call(state, AccountState.edit, "email", ANNA)
    assert state._customer_id != anna.id
    assert state.email == JONAS
