"""Render an invoice as a PDF with fpdf2 and the embedded DejaVu Sans font."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import logging
from decimal import Decimal
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlmodel import Session, col, select

from nomos_portal.i18n import format_day, format_eur, format_kwh, format_number, translate
from nomos_portal.models import Customer, Invoice, Org, PaymentMethod, Plan, Subscription
from nomos_portal.services import invoices, metering

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "assets_pdf"
ASSETS_DIR = Path(__file__).resolve().parent.parent.parent / "assets"
FONT = "DejaVu"
# Regular and bold font files: the European subsets (scripts/subset_pdf_fonts.sh) load several
# times faster; the full fonts cover every other character DejaVu Sans has.
SUBSET_FONT_FILES = ("DejaVuSans-Europe.ttf", "DejaVuSans-Bold-Europe.ttf")
FULL_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# Column widths in mm of the line-item table; together they fill the 180 mm between the margins.
COLUMN_WIDTHS = (12, 62, 24, 24, 20, 14, 24)
COLUMN_ALIGN = ("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
# Logo files fpdf2 can embed; it draws SVG as vector paths.
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")


@dataclasses.dataclass(frozen=True)
class DocumentLine:
    """A line item as printed: the description is already translated."""

    description: str
    quantity: Decimal
    unit: str
    unit_price_net: Decimal
    net_eur: Decimal
    vat_rate: Decimal
    gross_eur: Decimal


@dataclasses.dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed on an invoice, independent of the database."""

    language: str
    org_name: str
    # Street, then postcode and city; empty lines are left out when printed.
    org_address: tuple[str, ...]
    vat_id: str
    support_email: str
    support_phone: str
    creditor_id: str
    color_primary: str
    logo_path: Path | None
    customer_name: str
    billing_address: tuple[str, ...]
    delivery_address: str
    invoice_number: str
    invoice_type: str
    status: str
    voided_number: str
    issued_at: datetime.datetime
    due_at: datetime.datetime
    paid_at: datetime.datetime | None
    period_start: datetime.datetime
    # Exclusive end, as stored; the PDF prints the day before.
    period_end: datetime.datetime
    subscription_number: str
    plan_name: str
    meter_number: str
    malo: str
    reading_start_kwh: Decimal | None
    reading_end_kwh: Decimal | None
    usage_kwh: Decimal
    lines: tuple[DocumentLine, ...]
    totals: invoices.Totals
    payment_type: str
    iban_masked: str
    mandate_reference: str
    # True where the consumption is estimated from readings, for meters without interval data.
    usage_estimated: bool = False


def build_document(
    session: Session,
    *,
    plan: Plan,
    org: Org,
    customer: Customer,
    subscription: Subscription,
    invoice: Invoice,
    language: str,
) -> InvoiceDocument:
    """Collect what an invoice's PDF prints; the caller has checked that the invoice is the customer's."""
    assert invoice.id is not None
    rows = invoices.invoice_lines(session, invoice_id=invoice.id)
    lines = tuple(
        DocumentLine(
            description=_line_description(row.description_key, row.description_params, row.description_text, language),
            quantity=row.quantity,
            unit=translate("invoice.unit.kwh" if row.unit == "kWh" else "invoice.unit.month", language),
            unit_price_net=row.unit_price_net,
            net_eur=row.net_eur,
            vat_rate=row.vat_rate,
            gross_eur=row.gross_eur,
        )
        for row in rows
    )
    voided = session.get(Invoice, invoice.voids_invoice_id) if invoice.voids_invoice_id is not None else None
    payment = session.exec(
        select(PaymentMethod)
        .where(PaymentMethod.subscription_id == subscription.id)
        .where(col(PaymentMethod.replaced_at).is_(None))
        .order_by(col(PaymentMethod.id).desc())
    ).first()
    return InvoiceDocument(
        language=language,
        org_name=org.name,
        org_address=tuple(
            line for line in (org.address_street, f"{org.address_zip} {org.address_city}".strip()) if line
        ),
        vat_id=org.vat_id,
        support_email=org.support_email,
        support_phone=org.support_phone,
        creditor_id=org.sepa_creditor_id,
        color_primary=plan.color_primary,
        logo_path=_logo_file(org.logo),
        customer_name=_customer_name(customer),
        billing_address=_billing_address(subscription),
        delivery_address=(
            f"{subscription.address_street} {subscription.address_house_number}, "
            f"{subscription.address_zip} {subscription.address_city}"
        ),
        invoice_number=invoice.invoice_number,
        invoice_type=invoice.type,
        status=invoice.status,
        voided_number=voided.invoice_number if voided is not None else "",
        issued_at=invoice.issued_at,
        due_at=invoice.due_at,
        paid_at=invoice.paid_at,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        subscription_number=subscription.number,
        plan_name=plan.name,
        meter_number=subscription.meter_number,
        malo=subscription.meter_malo,
        reading_start_kwh=metering.register_value_at(session, subscription=subscription, moment=invoice.period_start),
        reading_end_kwh=metering.register_value_at(session, subscription=subscription, moment=invoice.period_end),
        usage_kwh=invoice.usage,
        lines=lines,
        totals=invoices.compute_totals([row.net_eur for row in rows]),
        payment_type=payment.type if payment is not None else "bank_transfer",
        iban_masked=payment.iban_masked if payment is not None else "",
        mandate_reference=payment.mandate_reference if payment is not None else "",
        usage_estimated=subscription.meter_type != "smart",
    )


def _line_description(key: str, params_json: str, text: str, language: str) -> str:
    if not key:
        return text
    return translate(key, language, **json.loads(params_json or "{}"))


def _customer_name(customer: Customer) -> str:
    if customer.type == "company" and customer.company_name:
        return customer.company_name
    return f"{customer.first_name} {customer.last_name}".strip()


def _billing_address(subscription: Subscription) -> tuple[str, ...]:
    if subscription.billing_address_street:
        return (
            f"{subscription.billing_address_street} {subscription.billing_address_house_number}",
            f"{subscription.billing_address_zip} {subscription.billing_address_city}",
        )
    return (
        f"{subscription.address_street} {subscription.address_house_number}",
        f"{subscription.address_zip} {subscription.address_city}",
    )


def _logo_file(logo: str) -> Path | None:
    """Find an org's logo file under the assets folder if fpdf2 can embed it.

    NOTE: a logo given as an https:// URL is left out of the PDF; fetching it for every
    download would make invoices depend on another server.
    """
    if not logo.startswith("/") or not logo.lower().endswith(LOGO_SUFFIXES):
        return None
    path = ASSETS_DIR / logo.lstrip("/")
    return path if path.is_file() else None


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _text_on(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """Pick black or white text for a background by its relative brightness (ITU-R BT.601 weights)."""
    red, green, blue = color
    return (0, 0, 0) if red * 0.299 + green * 0.587 + blue * 0.114 > 150 else (255, 255, 255)


@functools.cache
def _subset_characters() -> frozenset[str]:
    """Return the characters that both subset fonts have glyphs for."""
    covered = None
    for name in SUBSET_FONT_FILES:
        with TTFont(FONT_DIR / name, lazy=True) as font:
            characters = frozenset(chr(code) for code in font.getBestCmap())
        covered = characters if covered is None else covered & characters
    assert covered is not None
    return covered


def font_files(document: InvoiceDocument) -> tuple[str, str]:
    """Pick the subset fonts when they cover every character the document prints, else the full fonts."""
    values = [getattr(document, field.name) for field in dataclasses.fields(document)]
    texts = [value for value in values if isinstance(value, str)]
    texts += document.org_address + document.billing_address
    texts += [line.description for line in document.lines] + [line.unit for line in document.lines]
    used = set("".join(texts))
    # Line breaks and tabs never reach the page as glyphs.
    used -= {"\n", "\r", "\t"}
    return SUBSET_FONT_FILES if used <= _subset_characters() else FULL_FONT_FILES


class _InvoicePdf(FPDF):
    """An A4 page with the supplier's contact and the page number in the footer."""

    def __init__(self, document: InvoiceDocument) -> None:
        super().__init__(format="A4", unit="mm")
        self.document = document
        regular, bold = font_files(document)
        self.add_font(FONT, "", str(FONT_DIR / regular))
        self.add_font(FONT, "B", str(FONT_DIR / bold))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=22)

    def footer(self) -> None:
        """Print the supplier's address, VAT id, contact and the page number at the bottom of every page."""
        document = self.document
        language = document.language
        self.set_y(-17)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90, 90, 90)
        company = [document.org_name, *document.org_address]
        if document.vat_id:
            company.append(translate("invoice.vat_id", language, vat_id=document.vat_id))
        self.cell(0, 4, " · ".join(company), align="L", new_x="LMARGIN", new_y="NEXT")
        contact = translate("invoice.contact", language, email=document.support_email)
        if document.support_phone:
            contact += " · " + translate("invoice.contact_phone", language, phone=document.support_phone)
        self.cell(0, 4, contact, align="L")
        self.cell(0, 4, translate("invoice.page", language, page=self.page_no()), align="R")
        self.set_text_color(0, 0, 0)


def render_invoice_pdf(document: InvoiceDocument) -> bytes:
    """Render an invoice document as PDF bytes."""
    pdf = _InvoicePdf(document)
    pdf.add_page()
    _draw_header(pdf, document)
    _draw_addresses(pdf, document)
    _draw_facts(pdf, document)
    _draw_lines(pdf, document)
    _draw_totals(pdf, document)
    _draw_payment_terms(pdf, document)
    return bytes(pdf.output())


def _draw_header(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    color = _rgb(document.color_primary)
    pdf.set_fill_color(*color)
    pdf.rect(0, 0, pdf.w, 24, style="F")
    text_x = 15
    if document.logo_path is not None:
        # A white tile keeps a logo in the brand colour visible on the brand-coloured band.
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(13, 3, 18, 18, style="F", round_corners=True, corner_radius=2)
        pdf.image(str(document.logo_path), x=14, y=4, h=16)
        text_x = 36
    pdf.set_text_color(*_text_on(color))
    pdf.set_font(FONT, "B", 16)
    pdf.set_xy(text_x, 8)
    pdf.cell(0, 8, document.org_name)
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(32)


def _draw_addresses(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    language = document.language
    pdf.set_font(FONT, "", 7)
    pdf.set_text_color(90, 90, 90)
    # The sender line above the recipient, as a window envelope shows it.
    pdf.cell(0, 4, " · ".join((document.org_name, *document.org_address)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 10)
    for text in (document.customer_name, *document.billing_address):
        pdf.cell(90, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, translate(f"invoice.type.{document.invoice_type}", language), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _draw_facts(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    language = document.language
    last_day = document.period_end - datetime.timedelta(days=1)
    missing = translate("invoice.reading_missing", language)
    facts = [
        (translate("invoice.number", language), document.invoice_number),
        (translate("invoice.issued_on", language), format_day(document.issued_at, language)),
        (translate("invoice.due_on", language), format_day(document.due_at, language)),
        (
            translate("invoice.period", language),
            translate(
                "invoice.period_range",
                language,
                start=format_day(document.period_start, language),
                end=format_day(last_day, language),
            ),
        ),
        (translate("invoice.subscription_number", language), document.subscription_number),
        (translate("invoice.tariff", language), document.plan_name),
        (translate("invoice.delivery_address", language), document.delivery_address),
        (translate("invoice.meter_number", language), document.meter_number),
        (translate("invoice.malo", language), document.malo),
        (
            translate("invoice.reading_start", language),
            format_kwh(document.reading_start_kwh, language) if document.reading_start_kwh is not None else missing,
        ),
        (
            translate("invoice.reading_end", language),
            format_kwh(document.reading_end_kwh, language) if document.reading_end_kwh is not None else missing,
        ),
        (translate("invoice.consumption", language), format_kwh(document.usage_kwh, language, digits=3)),
    ]
    if document.usage_estimated:
        facts.append(("", translate("invoice.usage_estimated", language)))
    pdf.set_font(FONT, "", 9)
    for label, value in facts:
        pdf.cell(50, 5, label)
        pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    if document.voided_number:
        pdf.ln(2)
        pdf.multi_cell(0, 5, translate("invoice.voids", language, number=document.voided_number), align="L")
    pdf.ln(4)


def _draw_lines(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    """Print the line items; fpdf2 repeats the heading row on every page the table continues on."""
    language = document.language
    headings = [
        translate(key, language)
        for key in (
            "invoice.col.position",
            "invoice.col.description",
            "invoice.col.quantity",
            "invoice.col.unit_price",
            "invoice.col.net",
            "invoice.col.vat",
            "invoice.col.gross",
        )
    ]
    heading_style = FontFace(
        emphasis="BOLD", fill_color=_rgb(document.color_primary), color=_text_on(_rgb(document.color_primary))
    )
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        text_align=COLUMN_ALIGN,
        headings_style=heading_style,
        line_height=5,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        heading_row = table.row()
        for heading in headings:
            heading_row.cell(heading)
        for position, line in enumerate(document.lines, start=1):
            row = table.row()
            row.cell(str(position))
            row.cell(line.description)
            row.cell(f"{format_number(line.quantity, language, digits=3)} {line.unit}")
            row.cell(f"{format_number(line.unit_price_net, language, digits=4)} €")
            row.cell(format_eur(line.net_eur, language))
            row.cell(f"{format_number(line.vat_rate * 100, language)} %")
            row.cell(format_eur(line.gross_eur, language))
    pdf.ln(3)


def _draw_totals(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    language = document.language
    rate = format_number(invoices.VAT_RATE * 100, language)
    rows = [
        (translate("invoice.net_total", language), format_eur(document.totals.net_eur, language), ""),
        (translate("invoice.vat_total", language, rate=rate), format_eur(document.totals.vat_eur, language), ""),
        (translate("invoice.total", language), format_eur(document.totals.total_eur, language), "B"),
    ]
    for label, amount, style in rows:
        pdf.set_font(FONT, style, 10)
        pdf.cell(140, 6, label, align="R")
        pdf.cell(40, 6, amount, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _draw_payment_terms(pdf: _InvoicePdf, document: InvoiceDocument) -> None:
    language = document.language
    total = document.totals.total_eur
    amount = format_eur(abs(total), language)
    due = format_day(document.due_at, language)
    if total < 0:
        text = translate("invoice.payment.refund", language, amount=amount)
    elif document.payment_type == "sepa_debit":
        text = translate(
            "invoice.payment.sepa",
            language,
            amount=amount,
            date=due,
            iban=document.iban_masked,
            mandate=document.mandate_reference or "–",
            creditor=document.creditor_id or "–",
        )
    else:
        text = translate("invoice.payment.transfer", language, amount=amount, date=due, number=document.invoice_number)
    if document.paid_at is not None:
        text += " " + translate("invoice.payment.paid", language, date=format_day(document.paid_at, language))
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, text, align="L")
