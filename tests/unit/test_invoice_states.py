import datetime
from decimal import Decimal

from nomos_portal.models import Invoice, PaymentMethod
from nomos_portal.states import invoices as invoice_states

ISSUED = datetime.datetime(2026, 2, 28, 23, 0, tzinfo=datetime.UTC)


def sample_invoice(**changes) -> Invoice:
    values = {
        "id": 7,
        "subscription_id": 1,
        "invoice_number": "R-ACME-100001-202602",
        "type": "usage",
        "status": "open",
        "period_start": datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC),
        "period_end": ISSUED,
        "month": 2,
        "year": 2026,
        "issued_at": ISSUED,
        "due_at": ISSUED + datetime.timedelta(days=14),
        "total": Decimal("112.51"),
        "usage": Decimal("292.199"),
    }
    values.update(changes)
    return Invoice(**values)


def test_page_number_from_url():
    assert invoice_states._page_number("http://acme-power.localhost:3000/invoices?page=2") == 2
    assert invoice_states._page_number("http://acme-power.localhost:3000/invoices") == 1
    assert invoice_states._page_number("http://acme-power.localhost:3000/invoices?page=0") == 1
    assert invoice_states._page_number("http://acme-power.localhost:3000/invoices?page=-3") == 1
    assert invoice_states._page_number("http://acme-power.localhost:3000/invoices?page=x") == 1


def test_invoice_id_from_url():
    assert invoice_states._invoice_id_from("http://acme-power.localhost:3000/invoices/42") == "42"
    assert invoice_states._invoice_id_from("http://acme-power.localhost:3000/invoices/42/") == "42"
    assert invoice_states._invoice_id_from("http://acme-power.localhost:3000/invoices/abc") == "abc"


def test_summary_row_shows_last_day_of_period():
    row = invoice_states._summary_row(sample_invoice(), "de")
    assert row["period"] == "01.02.2026 – 28.02.2026"
    assert row["issued"] == "01.03.2026"
    assert row["total"] == "112,51\xa0€"
    assert row["status_key"] == "invoice.status.open"
    assert row["voids_href"] == ""


def test_summary_row_links_voided_invoice():
    row = invoice_states._summary_row(sample_invoice(type="void", voids_invoice_id=5, total=Decimal("-1")), "de")
    assert row["voids_href"] == "/invoices/5"
    assert row["type_key"] == "invoice.type.void"


def test_payment_text_for_sepa_and_refund():
    payment = PaymentMethod(
        subscription_id=1, type="sepa_debit", iban_masked="DE89 **** **** **** **30 00", mandate_reference="M-1"
    )
    sepa = invoice_states._payment_text(sample_invoice(), payment, "DE98ZZZ09999999999", "de")
    assert "DE89 **** **** **** **30 00" in sepa
    assert "M-1" in sepa
    assert "15.03.2026" in sepa
    refund = invoice_states._payment_text(sample_invoice(total=Decimal("-5.00")), payment, "", "en")
    assert refund.startswith("We will refund €5.00")
    paid = invoice_states._payment_text(sample_invoice(paid_at=ISSUED), None, "", "en")
    assert paid.endswith("Paid on 1 Mar 2026.")


def test_payment_text_without_mandate_reference():
    payment = PaymentMethod(subscription_id=1, type="sepa_debit", iban_masked="DE89 **** **** **** **30 00")
    text = invoice_states._payment_text(sample_invoice(), payment, "", "de")
    assert "Mandatsreferenz: –, Gläubiger-ID: –." in text


def test_unit_label_follows_language():
    assert invoice_states._unit_label("month", "de") == "Monat"
    assert invoice_states._unit_label("month", "en") == "month"
    assert invoice_states._unit_label("kWh", "de") == "kWh"
