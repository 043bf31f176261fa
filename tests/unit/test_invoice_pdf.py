import datetime
import io
import time
from decimal import Decimal

from pypdf import PdfReader
from sqlmodel import Session, select

from nomos_portal.models import Customer, Invoice, Org, Plan, Subscription
from nomos_portal.services import invoice_pdf, invoices

D = Decimal
MOMENT = datetime.datetime(2026, 2, 28, 23, 0, tzinfo=datetime.UTC)


def sample_document(line_count: int, *, customer_name: str = "Jürgen Müßig") -> invoice_pdf.InvoiceDocument:
    lines = tuple(
        invoice_pdf.DocumentLine(
            description=f"Arbeitspreis Strom Intervall {index}",
            quantity=D("1.234"),
            unit="kWh",
            unit_price_net=D("0.251234"),
            net_eur=D("0.31"),
            vat_rate=D("0.19"),
            gross_eur=invoices.line_gross(D("0.31")),
        )
        for index in range(line_count)
    )
    return invoice_pdf.InvoiceDocument(
        language="de",
        org_name="Acme Energie",
        support_email="service@acme-energie.example",
        support_phone="+49 30 1234567",
        creditor_id="DE98ZZZ09999999999",
        color_primary="#0b5fff",
        logo_path=None,
        customer_name=customer_name,
        billing_address=("Lindenstraße 5", "10115 Berlin"),
        delivery_address="Lindenstraße 5, 10115 Berlin",
        invoice_number="R-TEST-202602",
        invoice_type="usage",
        status="open",
        voided_number="",
        issued_at=MOMENT,
        due_at=MOMENT + datetime.timedelta(days=14),
        paid_at=None,
        period_start=datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC),
        period_end=MOMENT,
        subscription_number="ACME-100001",
        meter_number="1ESY1161234567",
        malo="51238696781",
        reading_start_kwh=None,
        reading_end_kwh=D("12345.6"),
        usage_kwh=D("1.234") * line_count,
        lines=lines,
        totals=invoices.compute_totals([line.net_eur for line in lines]),
        payment_type="sepa_debit",
        iban_masked="DE89 **** **** **** **30 00",
        mandate_reference="ACME-M-0001",
    )


def page_texts(pdf: bytes) -> list[str]:
    # Babel puts a no-break space between amount and currency; compare with plain spaces.
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_shows_number_totals_and_umlauts():
    document = sample_document(12)
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))
    assert "R-TEST-202602" in text
    assert "Jürgen Müßig" in text
    assert "Lindenstraße 5" in text
    # 12 lines of 0,31 € net: 3,72 € net, 0,71 € VAT, 4,43 € total.
    assert "3,72 €" in text
    assert "0,71 €" in text
    assert "4,43 €" in text
    assert "ACME-M-0001" in text
    assert "DE98ZZZ09999999999" in text
    # Due 14 days after issue: 01.03.2026 00:00 in Berlin plus 14 days.
    assert "Fällig am 15.03.2026" in text
    assert "15.03.2026 per SEPA-Lastschrift" in text
    assert "service@acme-energie.example" in text


def test_long_invoice_repeats_table_heading():
    texts = page_texts(invoice_pdf.render_invoice_pdf(sample_document(300)))
    assert len(texts) > 1
    for text in texts:
        assert "Pos. Beschreibung Menge" in text
        assert "Netto USt. Brutto" in text
    assert "Seite 2" in texts[1]


def test_pdf_in_english():
    document = sample_document(3)
    english = invoice_pdf.InvoiceDocument(**{**document.__dict__, "language": "en"})
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(english)))
    assert "Invoice number" in text
    assert "€0.93" in text


def test_pdf_of_seeded_void_invoice(invoiced_session: Session):
    void = invoiced_session.exec(select(Invoice).where(Invoice.type == "void")).first()
    assert void is not None
    subscription = invoiced_session.get(Subscription, void.subscription_id)
    plan = invoiced_session.get(Plan, subscription.plan_id)
    org = invoiced_session.get(Org, plan.org_id)
    customer = invoiced_session.get(Customer, subscription.customer_id)
    document = invoice_pdf.build_document(
        invoiced_session, plan=plan, org=org, customer=customer, subscription=subscription, invoice=void, language="de"
    )
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))
    assert "Stornorechnung" in text
    assert void.invoice_number in text
    assert document.voided_number in text
    assert document.totals.total_eur == void.total
    assert invoice_pdf.format_eur(void.total, "de").replace("\xa0", " ") in text


def test_render_time_is_reasonable():
    document = sample_document(12)
    started = time.perf_counter()
    invoice_pdf.render_invoice_pdf(document)
    assert time.perf_counter() - started < 5
