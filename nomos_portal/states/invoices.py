"""`/invoices` and `/invoices/[id]`: the subscription's invoices, one invoice's lines and its PDF."""

from __future__ import annotations

import datetime
import json
import logging
import urllib.parse

import reflex as rx
from sqlmodel import col, select

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.models import Invoice, Org, PaymentMethod, Plan
from nomos_portal.services import customers, invoices
from nomos_portal.states.auth import AuthState, backend_origin

logger = logging.getLogger(__name__)

STATUS_COLORS = {"open": "amber", "paid": "green", "voided": "gray", "uncollectible": "red"}


def _page_number(url: str) -> int:
    """Read `?page=` from a page URL; anything but a positive number gives page 1."""
    value = (urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("page") or ["1"])[0]
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _invoice_id_from(url: str) -> str:
    """Read the id from a `/invoices/<id>` page URL; the path's last part, whatever it is."""
    return urllib.parse.urlsplit(url).path.rstrip("/").rpartition("/")[2]


def _unit_label(unit: str, language: str) -> str:
    """Translate a stored line unit ("kWh" or "month")."""
    return i18n.translate("invoice.unit.kwh" if unit == "kWh" else "invoice.unit.month", language)


def _summary_row(invoice: Invoice, language: str) -> dict[str, str]:
    """Format an invoice for the list. Type and status stay catalogue keys, so they follow the UI language."""
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


class InvoicesState(AuthState):
    """One page of the chosen subscription's invoices, ten per page, newest first."""

    invoice_rows: list[dict[str, str]] = []
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
            self.invoice_rows = [_summary_row(invoice, self.lang) for invoice in page.invoices]
        self.page_number = page.page
        self.page_count = page.page_count
        self.invoice_count = page.total_count
        return None

    @rx.event
    def go_to_page(self, page: int):
        """Show another page and put its number in the URL."""
        return rx.redirect(f"/invoices?page={max(1, min(page, self.page_count))}")


class InvoiceDetailState(AuthState):
    """One invoice: facts, line items, totals, payment and the consumption of each day."""

    found: bool = False
    invoice_number: str = ""
    type_key: str = "invoice.type.usage"
    status_key: str = "invoice.status.open"
    status_color: str = "gray"
    fact_rows: list[list[str]] = []
    line_rows: list[list[str]] = []
    total_rows: list[list[str]] = []
    day_rows: list[list[str]] = []
    payment_text: str = ""
    pdf_url: str = ""

    @rx.event
    def load(self):
        """Check the session and show the invoice named in the URL, or a not-found message."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        assert self._plan_id is not None
        assert self._customer_id is not None
        assert self._subscription_id is not None

        raw_id = _invoice_id_from(str(self.router.url))
        self.found = False
        if not raw_id.isdigit():
            return None
        language = self.lang
        with open_session() as session:
            try:
                invoice = invoices.get_invoice(
                    session,
                    plan_id=self._plan_id,
                    customer_id=self._customer_id,
                    subscription_id=self._subscription_id,
                    invoice_id=int(raw_id),
                )
            except customers.NotFoundError:
                logger.info("Invoice %s not found for customer %s", raw_id, self._customer_id)
                return None
            subscription = customers.owned_subscription(
                session, plan_id=self._plan_id, customer_id=self._customer_id, subscription_id=self._subscription_id
            )
            plan = session.get(Plan, self._plan_id)
            assert plan is not None and invoice.id is not None
            lines = invoices.invoice_lines(session, invoice_id=invoice.id)
            bars = invoices.daily_usage(session, plan=plan, subscription=subscription, invoice=invoice)
            payment = session.exec(
                select(PaymentMethod)
                .where(PaymentMethod.subscription_id == subscription.id)
                .where(col(PaymentMethod.replaced_at).is_(None))
            ).first()
            org = session.get(Org, plan.org_id)
            creditor_id = org.sepa_creditor_id if org is not None else ""
            self._show(invoice, lines, bars, language)
            self.payment_text = _payment_text(invoice, payment, creditor_id, language)
        self.pdf_url = f"{backend_origin(str(self.router.url), self.router.headers.host)}/api/invoices/{raw_id}/pdf"
        self.found = True
        return None

    def _show(self, invoice, lines, bars, language: str) -> None:
        last_day = i18n.berlin_day(invoice.period_end) - datetime.timedelta(days=1)
        self.invoice_number = invoice.invoice_number
        self.type_key = f"invoice.type.{invoice.type}"
        self.status_key = f"invoice.status.{invoice.status}"
        self.status_color = STATUS_COLORS.get(invoice.status, "gray")
        self.fact_rows = [
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
        self.line_rows = [
            [
                i18n.translate(line.description_key, language, **json.loads(line.description_params))
                if line.description_key
                else line.description_text,
                f"{i18n.format_number(line.quantity, language, digits=3)} {_unit_label(line.unit, language)}",
                i18n.format_eur(line.net_eur, language),
                f"{i18n.format_number(line.vat_rate * 100, language)} %",
                i18n.format_eur(line.gross_eur, language),
            ]
            for line in lines
        ]
        totals = invoices.compute_totals([line.net_eur for line in lines])
        rate = i18n.format_number(invoices.VAT_RATE * 100, language)
        self.total_rows = [
            [i18n.translate("invoice.net_total", language), i18n.format_eur(totals.net_eur, language)],
            [i18n.translate("invoice.vat_total", language, rate=rate), i18n.format_eur(totals.vat_eur, language)],
            [i18n.translate("invoice.total", language), i18n.format_eur(totals.total_eur, language)],
        ]
        self.day_rows = [
            [
                i18n.format_day(bar.start.to_pydatetime(), language),
                i18n.format_kwh(bar.energy_kwh, language, digits=3) if bar.energy_kwh is not None else "–",
                i18n.format_eur(bar.cost_eur, language) if bar.cost_eur is not None else "–",
            ]
            for bar in bars
        ]


def _payment_text(invoice: Invoice, payment: PaymentMethod | None, creditor_id: str, language: str) -> str:
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
