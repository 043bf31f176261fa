"""`/invoices` and `/invoices/[id]`: the subscription's invoices, one invoice's lines and its PDF."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import urllib.parse
from decimal import Decimal
from typing import Any

import reflex as rx
from sqlmodel import col, select

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.models import Invoice, InvoiceLine, Org, PaymentMethod, Plan
from nomos_portal.services import consumption, customers, invoices
from nomos_portal.states.auth import AuthState, backend_origin
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)

STATUS_COLORS = {"open": "amber", "paid": "green", "voided": "gray", "uncollectible": "red"}


# Maximum digits of a number read from a URL: more digits name no page or row anyway, and Python
# rejects parsing numbers of several thousand digits.
MAX_URL_NUMBER_DIGITS = 19


def _url_number(value: str) -> int | None:
    """Parse a non-negative number written in ASCII digits, or return None.

    "²" and "١" pass `isdigit` but not `int`, so the check requires ASCII too.
    """
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= MAX_URL_NUMBER_DIGITS else 10**MAX_URL_NUMBER_DIGITS


def _page_number(url: str) -> int:
    """Read `?page=` from a page URL; anything but a positive number gives page 1."""
    value = (urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("page") or ["1"])[0]
    number = _url_number(value)
    return number if number else 1


def _invoice_id_from(url: str) -> str:
    """Read the id from a `/invoices/<id>` page URL; the path's last part, whatever it is."""
    return urllib.parse.urlsplit(url).path.rstrip("/").rpartition("/")[2]


def _unit_label(unit: str, language: str) -> str:
    """Translate a stored line unit ("kWh" or "month")."""
    return i18n.translate("invoice.unit.kwh" if unit == "kWh" else "invoice.unit.month", language)


@dataclasses.dataclass(frozen=True)
class InvoiceView:
    """An invoice as the pages show it, kept in the backend state and formatted per UI language."""

    id: int
    invoice_number: str
    type: str
    status: str
    period_start: datetime.datetime
    period_end: datetime.datetime
    issued_at: datetime.datetime
    due_at: datetime.datetime
    paid_at: datetime.datetime | None
    usage: Decimal
    total: Decimal
    voids_invoice_id: int | None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceView:
        """Copy the shown fields of a stored invoice."""
        assert invoice.id is not None
        return cls(
            id=invoice.id,
            invoice_number=invoice.invoice_number,
            type=invoice.type,
            status=invoice.status,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            issued_at=invoice.issued_at,
            due_at=invoice.due_at,
            paid_at=invoice.paid_at,
            usage=invoice.usage,
            total=invoice.total,
            voids_invoice_id=invoice.voids_invoice_id,
        )


@dataclasses.dataclass(frozen=True)
class LineView:
    """A line item as stored: its description is a catalogue key with parameters, or a fixed text."""

    description_key: str
    description_params: str
    description_text: str
    quantity: Decimal
    unit: str
    net_eur: Decimal
    vat_rate: Decimal
    gross_eur: Decimal

    @classmethod
    def of(cls, line: InvoiceLine) -> LineView:
        """Copy a stored line item."""
        return cls(
            description_key=line.description_key,
            description_params=line.description_params,
            description_text=line.description_text,
            quantity=line.quantity,
            unit=line.unit,
            net_eur=line.net_eur,
            vat_rate=line.vat_rate,
            gross_eur=line.gross_eur,
        )


@dataclasses.dataclass(frozen=True)
class PaymentView:
    """The subscription's current payment method as the invoice names it."""

    type: str
    iban_masked: str
    mandate_reference: str


def _summary_row(invoice: Invoice | InvoiceView, language: str) -> dict[str, str]:
    """Format an invoice for the list."""
    last_day = i18n.berlin_day(invoice.period_end) - datetime.timedelta(days=1)
    return {
        "id": str(invoice.id),
        "number": invoice.invoice_number,
        "type_key": f"invoice.type.{invoice.type}",
        "status_key": f"invoice.status.{invoice.status}",
        "status_color": STATUS_COLORS.get(invoice.status, "gray"),
        "period": f"{i18n.format_day(invoice.period_start, language)} – {i18n.format_day(last_day, language)}",
        "issued": i18n.format_day(invoice.issued_at, language),
        "total": i18n.format_eur(invoice.total, language),
        "href": f"/invoices/{invoice.id}",
        "voids_href": f"/invoices/{invoice.voids_invoice_id}" if invoice.voids_invoice_id else "",
    }


class InvoicesState(PageLanguage, AuthState):
    """One page of the chosen subscription's invoices, ten per page, newest first."""

    _invoices: list[InvoiceView] = []
    page_number: int = 1
    page_count: int = 1
    invoice_count: int = 0

    @rx.event
    def load(self):
        """Check the session and show the page of invoices named by `?page=`."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        assert self._plan_id is not None
        assert self._customer_id is not None
        assert self._subscription_id is not None
        with open_session() as session:
            page = invoices.list_invoices(
                session,
                plan_id=self._plan_id,
                customer_id=self._customer_id,
                subscription_id=self._subscription_id,
                page=_page_number(str(self.router.url)),
            )
            self._invoices = [InvoiceView.of(invoice) for invoice in page.invoices]
        self.page_number = page.page
        self.page_count = page.page_count
        self.invoice_count = page.total_count
        return None

    @rx.var
    def invoice_rows(self) -> list[dict[str, str]]:
        """The page's invoices, formatted for the UI language."""
        return [_summary_row(invoice, self._page_lang) for invoice in self._invoices]

    @rx.event
    def go_to_page(self, page: int):
        """Show another page and put its number in the URL; anything but a number stays on this page."""
        try:
            number = int(page)
        except (TypeError, ValueError, OverflowError):
            return None
        return rx.redirect(f"/invoices?page={max(1, min(number, self.page_count))}")


class InvoiceDetailState(PageLanguage, AuthState):
    """One invoice: facts, line items, totals, payment and the consumption of each day."""

    found: bool = False
    invoice_number: str = ""
    type_key: str = "invoice.type.usage"
    status_key: str = "invoice.status.open"
    status_color: str = "gray"
    pdf_url: str = ""
    _invoice: InvoiceView | None = None
    _lines: list[LineView] = []
    _days: list[consumption.Bar] = []
    _payment: PaymentView | None = None
    _creditor_id: str = ""

    @rx.event
    def load(self):
        """Check the session and show the invoice named in the URL, or a not-found message."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        assert self._plan_id is not None
        assert self._customer_id is not None
        assert self._subscription_id is not None

        invoice_id = _url_number(_invoice_id_from(str(self.router.url)))
        self.found = False
        self._invoice = None
        if invoice_id is None:
            return None
        with open_session() as session:
            try:
                invoice = invoices.get_invoice(
                    session,
                    plan_id=self._plan_id,
                    customer_id=self._customer_id,
                    subscription_id=self._subscription_id,
                    invoice_id=invoice_id,
                )
            except customers.NotFoundError:
                logger.info("Invoice %s not found for customer %s", invoice_id, self._customer_id)
                return None
            subscription = customers.owned_subscription(
                session, plan_id=self._plan_id, customer_id=self._customer_id, subscription_id=self._subscription_id
            )
            plan = session.get(Plan, self._plan_id)
            assert plan is not None and invoice.id is not None
            self._lines = [LineView.of(line) for line in invoices.invoice_lines(session, invoice_id=invoice.id)]
            self._days = invoices.daily_usage(session, plan=plan, subscription=subscription, invoice=invoice)
            payment = session.exec(
                select(PaymentMethod)
                .where(PaymentMethod.subscription_id == subscription.id)
                .where(col(PaymentMethod.replaced_at).is_(None))
            ).first()
            self._payment = None
            if payment is not None:
                self._payment = PaymentView(
                    type=payment.type, iban_masked=payment.iban_masked, mandate_reference=payment.mandate_reference
                )
            org = session.get(Org, plan.org_id)
            self._creditor_id = org.sepa_creditor_id if org is not None else ""
            self._invoice = InvoiceView.of(invoice)
        self.invoice_number = invoice.invoice_number
        self.type_key = f"invoice.type.{invoice.type}"
        self.status_key = f"invoice.status.{invoice.status}"
        self.status_color = STATUS_COLORS.get(invoice.status, "gray")
        self.pdf_url = f"{backend_origin(str(self.router.url), self.router.headers.host)}/api/invoices/{invoice_id}/pdf"
        self.found = True
        return None

    @rx.var
    def fact_rows(self) -> list[list[str]]:
        """Number, dates, billing period and consumption as label and value."""
        invoice, language = self._invoice, self._page_lang
        if invoice is None:
            return []
        last_day = i18n.berlin_day(invoice.period_end) - datetime.timedelta(days=1)
        return [
            [i18n.translate("invoice.number", language), invoice.invoice_number],
            [i18n.translate("invoice.issued_on", language), i18n.format_day(invoice.issued_at, language)],
            [i18n.translate("invoice.due_on", language), i18n.format_day(invoice.due_at, language)],
            [
                i18n.translate("invoice.period", language),
                i18n.translate(
                    "invoice.period_range",
                    language,
                    start=i18n.format_day(invoice.period_start, language),
                    end=i18n.format_day(last_day, language),
                ),
            ],
            [i18n.translate("invoice.consumption", language), i18n.format_kwh(invoice.usage, language, digits=3)],
        ]

    @rx.var
    def line_rows(self) -> list[list[str]]:
        """Line items: description, quantity, net, VAT rate and gross."""
        language = self._page_lang
        return [
            [
                i18n.translate(line.description_key, language, **json.loads(line.description_params))
                if line.description_key
                else line.description_text,
                f"{i18n.format_number(line.quantity, language, digits=3)} {_unit_label(line.unit, language)}",
                i18n.format_eur(line.net_eur, language),
                f"{i18n.format_number(line.vat_rate * 100, language)} %",
                i18n.format_eur(line.gross_eur, language),
            ]
            for line in self._lines
        ]

    @rx.var
    def total_rows(self) -> list[list[str]]:
        """Net total, VAT and the amount due, computed from the line items."""
        language = self._page_lang
        if self._invoice is None:
            return []
        totals = invoices.compute_totals([line.net_eur for line in self._lines])
        rate = i18n.format_number(invoices.VAT_RATE * 100, language)
        return [
            [i18n.translate("invoice.net_total", language), i18n.format_eur(totals.net_eur, language)],
            [i18n.translate("invoice.vat_total", language, rate=rate), i18n.format_eur(totals.vat_eur, language)],
            [i18n.translate("invoice.total", language), i18n.format_eur(totals.total_eur, language)],
        ]

    @rx.var
    def day_rows(self) -> list[list[str]]:
        """Each day of the billed month: consumption and its cost at the spot-based price."""
        language = self._page_lang
        return [
            [
                i18n.format_day(bar.start.to_pydatetime(), language),
                i18n.format_kwh(_decimal(bar.energy_kwh), language, digits=3) if bar.energy_kwh is not None else "–",
                i18n.format_eur(_decimal(bar.cost_eur), language) if bar.cost_eur is not None else "–",
            ]
            for bar in self._days
        ]

    @rx.var
    def day_chart_rows(self) -> list[dict[str, Any]]:
        """Chart rows per day: kWh and cost in EUR, with the tooltip's texts in the UI language."""
        language = self._page_lang
        rows = []
        for bar in self._days:
            energy = round(bar.energy_kwh, 3) if bar.energy_kwh is not None else None
            cost = round(bar.cost_eur, 2) if bar.cost_eur is not None else None
            rows.append(
                {
                    "label": i18n.format_weekday(i18n.berlin_day(bar.start.to_pydatetime()), language),
                    "kwh": energy,
                    "kwh_label": i18n.format_kwh(_decimal(energy), language, digits=3) if energy is not None else "",
                    "cost": cost,
                    "cost_label": i18n.format_eur(_decimal(cost), language) if cost is not None else "",
                }
            )
        return rows

    @rx.var
    def payment_text(self) -> str:
        """How the invoice is settled, in the UI language."""
        if self._invoice is None:
            return ""
        return _payment_text(self._invoice, self._payment, self._creditor_id, self._page_lang)


def _decimal(value: float | None) -> Decimal:
    """Turn a float from the consumption aggregation into a Decimal without binary noise."""
    return Decimal(repr(value))


def _payment_text(
    invoice: Invoice | InvoiceView, payment: PaymentMethod | PaymentView | None, creditor_id: str, language: str
) -> str:
    """Describe how the invoice is settled: refund, SEPA debit with the masked IBAN, or bank transfer."""
    amount = i18n.format_eur(abs(invoice.total), language)
    due = i18n.format_day(invoice.due_at, language)
    if invoice.total < 0:
        text = i18n.translate("invoice.payment.refund", language, amount=amount)
    elif payment is not None and payment.type == "sepa_debit":
        text = i18n.translate(
            "invoice.payment.sepa",
            language,
            amount=amount,
            date=due,
            iban=payment.iban_masked,
            mandate=payment.mandate_reference or "–",
            creditor=creditor_id or "–",
        )
    else:
        text = i18n.translate(
            "invoice.payment.transfer", language, amount=amount, date=due, number=invoice.invoice_number
        )
    if invoice.paid_at is not None:
        text += " " + i18n.translate("invoice.payment.paid", language, date=i18n.format_day(invoice.paid_at, language))
    return text
