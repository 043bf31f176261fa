"""Build monthly usage invoices from meter intervals and prices, and read them back per customer.

Rounding rule: each line's net amount is rounded to the cent, half up. VAT is
computed once on the sum of the rounded nets and rounded the same way, and the
invoice total is that sum plus the VAT. A line's gross amount is its net plus
its own rounded VAT and is shown for information only, so the line grosses may
add up to one cent more or less than the total.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, func, select

from nomos_portal.models import GridArea, Invoice, InvoiceLine, Plan, Subscription
from nomos_portal.services import consumption, pricing
from nomos_portal.services.customers import NotFoundError, is_row_id, owned_subscription
from nomos_portal.services.spot_prices import local_day_bounds

CENT = Decimal("0.01")
KWH = Decimal("0.001")
VAT_RATE = pricing.VAT_RATE
DEFAULT_PAGE_SIZE = 10
PAYMENT_TERM = datetime.timedelta(days=14)


@dataclasses.dataclass(frozen=True)
class LineDraft:
    """A line item before it is stored; `net_eur` is already rounded to the cent."""

    kind: str
    description_key: str
    description_params: dict[str, str]
    quantity: Decimal
    unit: str
    unit_price_net: Decimal
    net_eur: Decimal


@dataclasses.dataclass(frozen=True)
class Totals:
    """Net sum, VAT and gross total of an invoice in EUR."""

    net_eur: Decimal
    vat_eur: Decimal
    total_eur: Decimal


@dataclasses.dataclass(frozen=True)
class InvoicePage:
    """One page of a subscription's invoices, newest first."""

    invoices: list[Invoice]
    total_count: int
    page: int
    page_count: int


def round_cent(amount: Decimal) -> Decimal:
    """Round EUR to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(net_amounts: Sequence[Decimal], *, vat_rate: Decimal = VAT_RATE) -> Totals:
    """Add up rounded line nets and put VAT on their sum, rounded half up to the cent."""
    net = sum((round_cent(amount) for amount in net_amounts), Decimal(0))
    vat = round_cent(net * vat_rate)
    return Totals(net_eur=net, vat_eur=vat, total_eur=net + vat)


def line_gross(net_eur: Decimal, *, vat_rate: Decimal = VAT_RATE) -> Decimal:
    """Return a line's net plus its own rounded VAT, for display next to the line."""
    return net_eur + round_cent(net_eur * vat_rate)


def month_period(year: int, month: int) -> consumption.Period:
    """Return the Berlin calendar month as a consumption period."""
    return consumption.period_for("month", datetime.date(year, month, 1))


def usage_lines(session: Session, *, plan: Plan, subscription: Subscription, year: int, month: int) -> list[LineDraft]:
    """Price a month of a subscription: energy, the plan's basic price and the grid basic fee.

    Energy is charged interval by interval at that interval's gross price and
    the sum converted back to net. Intervals without a spot price are charged
    at the consumption-weighted average of the priced ones.

    Raises:
        pricing.MissingComponentError: The subscription has no grid area, or a levy is missing.
    """
    assert subscription.id is not None
    period = month_period(year, month)
    intervals = consumption.load_intervals(session, subscription_id=subscription.id, period=period)
    prices_ct = consumption.load_prices_ct(session, plan=plan, subscription=subscription, period=period)

    priced_kwh = Decimal(0)
    unpriced_kwh = Decimal(0)
    gross_ct = Decimal(0)
    for moment, energy in intervals["energy_kwh"].items():
        kwh = Decimal(repr(float(energy)))
        price = prices_ct.get(moment) if not prices_ct.empty else None
        if price is None or math.isnan(price):
            unpriced_kwh += kwh
            continue
        priced_kwh += kwh
        gross_ct += kwh * Decimal(repr(float(price)))
    # NOTE: A month without any spot price bills its energy at 0; the caller should import prices first.
    if priced_kwh and unpriced_kwh:
        gross_ct += unpriced_kwh * gross_ct / priced_kwh

    usage_kwh = priced_kwh + unpriced_kwh
    gross_factor = Decimal(1) + VAT_RATE
    energy_net = round_cent(gross_ct / Decimal(100) / gross_factor)
    energy_unit_net = (energy_net / usage_kwh).quantize(Decimal("0.000001")) if usage_kwh else Decimal(0)

    grid = session.get(GridArea, subscription.grid_area_id) if subscription.grid_area_id is not None else None
    if grid is None:
        msg = f"Subscription {subscription.number} has no grid area, so its grid basic fee is unknown."
        raise pricing.MissingComponentError(msg)
    basic_net = plan.price / gross_factor
    grid_basic_net = grid.grid_basic_fee_eur_per_year / Decimal(12)
    month_params = {"month": f"{month:02d}", "year": str(year)}
    return [
        LineDraft(
            kind="energy",
            description_key="invoice.line.energy",
            description_params=month_params,
            quantity=usage_kwh.quantize(KWH, rounding=ROUND_HALF_UP),
            unit="kWh",
            unit_price_net=energy_unit_net,
            net_eur=energy_net,
        ),
        LineDraft(
            kind="basic_price",
            description_key="invoice.line.basic_price",
            description_params={"plan": plan.name, **month_params},
            quantity=Decimal(1),
            unit="month",
            unit_price_net=basic_net.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
            net_eur=round_cent(basic_net),
        ),
        LineDraft(
            kind="grid_basic_fee",
            description_key="invoice.line.grid_basic_fee",
            description_params={"operator": grid.operator, **month_params},
            quantity=Decimal(1),
            unit="month",
            unit_price_net=grid_basic_net.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP),
            net_eur=round_cent(grid_basic_net),
        ),
    ]


def store_invoice(
    session: Session,
    *,
    subscription: Subscription,
    invoice_number: str,
    invoice_type: str,
    year: int,
    month: int,
    period_number: int,
    issued_at: datetime.datetime,
    lines: Sequence[LineDraft],
    voids_invoice_id: int | None = None,
) -> Invoice:
    """Add an invoice with its lines and totals for a Berlin calendar month; the caller commits."""
    assert subscription.id is not None
    period = month_period(year, month)
    totals = compute_totals([line.net_eur for line in lines])
    usage = sum((line.quantity for line in lines if line.unit == "kWh"), Decimal(0))

    invoice = Invoice(
        subscription_id=subscription.id,
        invoice_number=invoice_number,
        type=invoice_type,
        voids_invoice_id=voids_invoice_id,
        status="open",
        period_start=local_day_bounds(period.start)[0],
        period_end=local_day_bounds(period.end)[0],
        period_number=period_number,
        month=month,
        year=year,
        issued_at=issued_at,
        due_at=issued_at + PAYMENT_TERM,
        usage=usage,
        total=totals.total_eur,
    )
    session.add(invoice)
    session.flush()
    assert invoice.id is not None

    for position, line in enumerate(lines, start=1):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                kind=line.kind,
                description_key=line.description_key,
                description_params=json.dumps(line.description_params, ensure_ascii=False),
                quantity=line.quantity,
                unit=line.unit,
                unit_price_net=line.unit_price_net,
                net_eur=line.net_eur,
                vat_rate=VAT_RATE,
                gross_eur=line_gross(line.net_eur),
            )
        )
    session.flush()
    return invoice


def void_invoice(session: Session, *, invoice: Invoice, issued_at: datetime.datetime) -> Invoice:
    """Cancel an invoice with a void document carrying its negated lines; the caller commits."""
    assert invoice.id is not None
    subscription = session.get(Subscription, invoice.subscription_id)
    assert subscription is not None
    negated = [
        LineDraft(
            kind=line.kind,
            description_key=line.description_key,
            description_params=json.loads(line.description_params),
            quantity=-line.quantity,
            unit=line.unit,
            unit_price_net=line.unit_price_net,
            net_eur=-line.net_eur,
        )
        for line in invoice_lines(session, invoice_id=invoice.id)
    ]
    void = store_invoice(
        session,
        subscription=subscription,
        invoice_number=f"{invoice.invoice_number}-S",
        invoice_type="void",
        year=invoice.year,
        month=invoice.month,
        period_number=invoice.period_number,
        issued_at=issued_at,
        lines=negated,
        voids_invoice_id=invoice.id,
    )
    invoice.status = "voided"
    session.add(invoice)
    session.flush()
    return void


def invoice_lines(session: Session, *, invoice_id: int) -> list[InvoiceLine]:
    """Load an invoice's lines in their printed order."""
    return list(
        session.exec(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(col(InvoiceLine.position))
        ).all()
    )


def list_invoices(
    session: Session,
    *,
    plan_id: int,
    customer_id: int,
    subscription_id: int,
    page: int,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> InvoicePage:
    """Load one page of a subscription's invoices, newest first. A page out of range gives the nearest page.

    Raises:
        NotFoundError: The subscription is not this customer's on this plan.
    """
    owned_subscription(session, plan_id=plan_id, customer_id=customer_id, subscription_id=subscription_id)
    total_count = session.exec(
        select(func.count()).select_from(Invoice).where(Invoice.subscription_id == subscription_id)
    ).one()
    page_count = max(1, math.ceil(total_count / page_size))
    page = min(max(page, 1), page_count)
    rows = session.exec(
        select(Invoice)
        .where(Invoice.subscription_id == subscription_id)
        .order_by(col(Invoice.issued_at).desc(), col(Invoice.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return InvoicePage(invoices=list(rows), total_count=total_count, page=page, page_count=page_count)


def get_invoice(session: Session, *, plan_id: int, customer_id: int, subscription_id: int, invoice_id: int) -> Invoice:
    """Load an invoice only if it belongs to this subscription of this customer on this plan.

    Raises:
        NotFoundError: Unknown id, or an invoice of another subscription, customer or plan.
    """
    owned_subscription(session, plan_id=plan_id, customer_id=customer_id, subscription_id=subscription_id)
    invoice = session.get(Invoice, invoice_id) if is_row_id(invoice_id) else None
    if invoice is None or invoice.subscription_id != subscription_id:
        raise NotFoundError(f"invoice {invoice_id}")
    return invoice


def daily_usage(session: Session, *, plan: Plan, subscription: Subscription, invoice: Invoice) -> list[consumption.Bar]:
    """Aggregate the consumption of each day of an invoice's month, with its average price and cost."""
    assert subscription.id is not None
    period = month_period(invoice.year, invoice.month)
    intervals = consumption.load_intervals(session, subscription_id=subscription.id, period=period)
    prices_ct = consumption.load_prices_ct(session, plan=plan, subscription=subscription, period=period)
    return consumption.aggregate(intervals, prices_ct, period=period)
