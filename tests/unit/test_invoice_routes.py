from sqlmodel import Session, select
from starlette.testclient import TestClient

from nomos_portal.models import Customer, Invoice, Plan, Subscription, utc_now
from nomos_portal.routes import create_api
from nomos_portal.services import sessions


def signed_in_client(session: Session, *, slug: str, email: str) -> TestClient:
    plan = session.exec(select(Plan).where(Plan.slug == slug)).one()
    customer = session.exec(select(Customer).where(Customer.email == email)).one()
    new = sessions.create_session(session, plan=plan, customer=customer, now=utc_now())
    client = TestClient(create_api(), base_url=f"http://{slug}.localhost:8000", follow_redirects=False)
    client.get("/auth/complete", params={"ticket": new.handoff_ticket})
    assert client.cookies.get("nomos_session")
    return client


def invoice_of(session: Session, email: str) -> Invoice:
    customer = session.exec(select(Customer).where(Customer.email == email)).one()
    subscription = session.exec(select(Subscription).where(Subscription.customer_id == customer.id)).first()
    invoice = session.exec(select(Invoice).where(Invoice.subscription_id == subscription.id)).first()
    assert invoice is not None
    return invoice


def test_pdf_download_of_own_invoice(invoiced_session: Session):
    client = signed_in_client(invoiced_session, slug="acme-power", email="jonas.becker@example.com")
    invoice = invoice_of(invoiced_session, "jonas.becker@example.com")
    response = client.get(f"/api/invoices/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{invoice.invoice_number}.pdf"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"


def test_pdf_of_foreign_invoice_is_like_missing(invoiced_session: Session):
    client = signed_in_client(invoiced_session, slug="acme-power", email="jonas.becker@example.com")
    foreign = invoice_of(invoiced_session, "lea.wagner@example.org")
    missing = client.get("/api/invoices/999999/pdf")
    other = client.get(f"/api/invoices/{foreign.id}/pdf")
    assert missing.status_code == 404
    assert other.status_code == 404
    assert other.content == missing.content
    assert other.headers["content-type"] == missing.headers["content-type"]


def test_pdf_needs_session_cookie(invoiced_session: Session):
    invoice = invoice_of(invoiced_session, "jonas.becker@example.com")
    client = TestClient(create_api(), base_url="http://acme-power.localhost:8000")
    response = client.get(f"/api/invoices/{invoice.id}/pdf")
    assert response.status_code == 401
    assert b"%PDF" not in response.content


def test_pdf_session_of_other_plan_host(invoiced_session: Session):
    acme_client = signed_in_client(invoiced_session, slug="acme-power", email="jonas.becker@example.com")
    invoice = invoice_of(invoiced_session, "jonas.becker@example.com")
    lumio_client = TestClient(create_api(), base_url="http://lumio.localhost:8000")
    lumio_client.cookies.set("nomos_session", acme_client.cookies.get("nomos_session"))
    response = lumio_client.get(f"/api/invoices/{invoice.id}/pdf")
    assert response.status_code == 401


def test_pdf_on_unknown_host(invoiced_session: Session):
    response = TestClient(create_api(), base_url="http://nobody.localhost:8000").get("/api/invoices/1/pdf")
    assert response.status_code == 404
