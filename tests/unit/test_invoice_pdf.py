import datetime
import io
from decimal import Decimal

import sqlalchemy as sa
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlmodel import Session, select

from nomos_portal.models import ConsumptionInterval, Customer, Invoice, Org, Plan, Subscription
from nomos_portal.services import invoice_pdf, invoices, metering

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
        org_address=("Friedrichstraße 123", "10117 Berlin"),
        vat_id="DE999999999",
        support_email="service@acme-energie.example",
        support_phone="+49 30 1234567",
        creditor_id="DE98ZZZ09999999999",
        color_primary="#0b5fff",
        logo_path=invoice_pdf.ASSETS_DIR / "brands" / "acme-power.svg",
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
        plan_name="Acme Power Dynamisch",
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
    assert "Tarif Acme Power Dynamisch" in text
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
    # Supplier address and VAT id, which § 14 UStG requires on every invoice.
    assert "Acme Energie · Friedrichstraße 123 · 10117 Berlin" in text
    assert "USt-IdNr. DE999999999" in text


def painted_shapes(pdf: bytes) -> int:
    """Count the fill and stroke operators on the first page."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    content = ContentStream(page.get_contents(), page.pdf)
    return sum(1 for _, operator in content.operations if operator in (b"f", b"f*", b"B", b"B*", b"S", b"b"))


def test_pdf_header_carries_the_logo():
    with_logo = invoice_pdf.render_invoice_pdf(sample_document(1))
    without_logo = invoice_pdf.render_invoice_pdf(
        invoice_pdf.InvoiceDocument(**{**sample_document(1).__dict__, "logo_path": None})
    )
    # fpdf2 draws an SVG logo as vector paths: its tile, square and bolt add painted shapes.
    assert painted_shapes(with_logo) >= painted_shapes(without_logo) + 3


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


def seeded_document(session: Session, invoice: Invoice, language: str = "de") -> invoice_pdf.InvoiceDocument:
    """Build the PDF document of a stored invoice with its subscription, plan, org and customer."""
    subscription = session.get(Subscription, invoice.subscription_id)
    plan = session.get(Plan, subscription.plan_id)
    return invoice_pdf.build_document(
        session,
        plan=plan,
        org=session.get(Org, plan.org_id),
        customer=session.get(Customer, subscription.customer_id),
        subscription=subscription,
        invoice=invoice,
        language=language,
    )


def test_pdf_of_seeded_void_invoice(invoiced_session: Session):
    void = invoiced_session.exec(select(Invoice).where(Invoice.type == "void")).first()
    assert void is not None
    document = seeded_document(invoiced_session, void)
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))
    assert "Stornorechnung" in text
    assert void.invoice_number in text
    assert document.voided_number in text
    assert document.totals.total_eur == void.total
    assert invoice_pdf.format_eur(void.total, "de").replace("\xa0", " ") in text


def test_seeded_smart_meter_invoice_prints_register_readings(invoiced_session: Session):
    # Acme's newest usage invoice. Several subscriptions share a period, and PostgreSQL and SQLite
    # order such ties differently, so the query names the plan.
    invoice = invoiced_session.exec(
        select(Invoice)
        .join(Subscription, Subscription.id == Invoice.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(Invoice.type == "usage", Plan.slug == "acme-power")
        .order_by(Invoice.period_start.desc(), Invoice.id)
    ).first()
    subscription = invoiced_session.get(Subscription, invoice.subscription_id)
    document = seeded_document(invoiced_session, invoice)
    assert subscription.meter_type == "smart"
    assert document.reading_start_kwh is not None
    assert document.reading_end_kwh is not None
    # The readings differ by the billed usage, to the 0.1 kWh the register shows.
    assert abs(document.reading_end_kwh - document.reading_start_kwh - invoice.usage) <= D("0.1")
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))
    assert "nicht abgelesen" not in text
    assert invoice_pdf.format_kwh(document.reading_end_kwh, "de").replace("\xa0", " ") in text
    assert "Friedrichstraße 123" in text


def test_subset_fonts_serve_european_names():
    for name in ("Jürgen Müßig", "Łukasz Żółć", "Çağrı Öztürk", "Γιώργος Παπαδόπουλος", "Ольга Смирнова"):
        document = sample_document(2, customer_name=name)
        assert invoice_pdf.font_files(document) == invoice_pdf.SUBSET_FONT_FILES
        assert name in "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))


def test_other_scripts_fall_back_to_the_full_fonts():
    # Armenian is in DejaVu Sans but not in the European subset.
    document = sample_document(2, customer_name="Արամ Խաչատրյան")
    assert invoice_pdf.font_files(document) == invoice_pdf.FULL_FONT_FILES
    assert "Արամ Խաչատրյան" in "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))


def test_month_with_meter_data_gap_prints_readings(invoiced_session: Session):
    subscription = invoiced_session.exec(select(Subscription).where(Subscription.number == "ACME-100003")).one()
    invoice = invoiced_session.exec(
        select(Invoice)
        .where(Invoice.subscription_id == subscription.id, Invoice.type == "usage")
        .where(Invoice.year == 2026, Invoice.month == 2)
    ).one()
    measured_minutes = invoiced_session.exec(
        select(sa.func.sum(ConsumptionInterval.resolution_minutes))
        .where(ConsumptionInterval.subscription_id == subscription.id)
        .where(ConsumptionInterval.start_at >= invoice.period_start)
        .where(ConsumptionInterval.start_at < invoice.period_end)
    ).one()
    # The demo meter data misses some quarter hours in February 2026.
    assert measured_minutes < (invoice.period_end - invoice.period_start).total_seconds() / 60
    start = metering.register_value_at(invoiced_session, subscription=subscription, moment=invoice.period_start)
    end = metering.register_value_at(invoiced_session, subscription=subscription, moment=invoice.period_end)
    assert start is not None
    assert end is not None
    assert abs(end - start - invoice.usage) <= D("0.1")


def test_analog_meter_invoice_says_usage_is_estimated(invoiced_session: Session):
    subscription = invoiced_session.exec(select(Subscription).where(Subscription.number == "ACME-100002")).one()
    invoice = invoiced_session.exec(
        select(Invoice).where(Invoice.subscription_id == subscription.id, Invoice.type == "usage")
    ).first()
    document = seeded_document(invoiced_session, invoice)
    assert document.usage_estimated
    text = "\n".join(page_texts(invoice_pdf.render_invoice_pdf(document)))
    assert "geschätzt aus den Zählerständen" in text
