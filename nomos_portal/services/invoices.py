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
from nomos_portal.services import consumption, consumption_days, pricing
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


# Per-kWh price components billed on lines of their own, because § 40 EnWG requires a bill to itemise them.
KWH_COMPONENT_LINES = (
    ("grid_fee", "invoice.line.grid_fee", "grid_fee_ct_per_kwh"),
    ("concession_levy", "invoice.line.concession_levy", "concession_levy_ct_per_kwh"),
    ("kwkg", "invoice.line.kwkg", "kwkg_ct_per_kwh"),
    ("stromnev_19", "invoice.line.stromnev_19", "stromnev_19_ct_per_kwh"),
    ("offshore", "invoice.line.offshore", "offshore_ct_per_kwh"),
    ("electricity_tax", "invoice.line.electricity_tax", "electricity_tax_ct_per_kwh"),
)
UNIT_PRICE_STEP = Decimal("0.000001")


def usage_lines(session: Session, *, plan: Plan, subscription: Subscription, year: int, month: int) -> list[LineDraft]:
    """Price a month of a subscription, one line per price component, all net of VAT.

    The energy line charges each interval's consumption at that interval's spot
    price plus the plan's procurement margin. Meters without interval data are
    billed on their readings spread by the standard load profile. Intervals without a spot price are
    charged at the consumption-weighted average spot price of the priced ones.
    The grid fee, concession levy, levies and electricity tax follow per kWh at
    the rates in force in that month, then the plan's basic price, the grid
    basic fee and, where the grid area charges one, the metering fee.

    Raises:
        pricing.MissingComponentError: The subscription has no grid area, or a levy is missing.
    """
    assert subscription.id is not None
    period = month_period(year, month)
    intervals = consumption.billing_intervals(session, subscription=subscription, period=period)
    start, end = consumption.utc_bounds(period)
    spot = consumption.quarter_hour_spot(session, start=start, end=end)
    components = pricing.components_for(session, plan=plan, subscription=subscription, day=period.start)

    priced_kwh = Decimal(0)
    unpriced_kwh = Decimal(0)
    spot_ct = Decimal(0)
    for moment, energy in intervals["energy_kwh"].items():
        kwh = Decimal(repr(float(energy)))
        price = spot.get(moment) if not spot.empty else None
        if price is None or math.isnan(price):
            unpriced_kwh += kwh
            continue
        priced_kwh += kwh
        spot_ct += kwh * pricing.eur_per_mwh_to_ct_per_kwh(Decimal(repr(float(price))))
    # NOTE: A month without any spot price bills its energy at the margin only; the caller should import prices first.
    if priced_kwh and unpriced_kwh:
        spot_ct += unpriced_kwh * spot_ct / priced_kwh

    usage_kwh = (priced_kwh + unpriced_kwh).quantize(KWH, rounding=ROUND_HALF_UP)
    energy_ct = spot_ct + usage_kwh * components.procurement_margin_ct_per_kwh
    energy_net = round_cent(energy_ct / Decimal(100))
    month_params = {"month": f"{month:02d}", "year": str(year)}
    lines = [
        LineDraft(
            kind="energy",
            description_key="invoice.line.energy",
            description_params=month_params,
            quantity=usage_kwh,
            unit="kWh",
            unit_price_net=(energy_net / usage_kwh).quantize(UNIT_PRICE_STEP) if usage_kwh else Decimal(0),
            net_eur=energy_net,
        )
    ]
    for kind, key, field in KWH_COMPONENT_LINES:
        rate_eur = getattr(components, field) / Decimal(100)
        lines.append(
            LineDraft(
                kind=kind,
                description_key=key,
                description_params=month_params,
                quantity=usage_kwh,
                unit="kWh",
                unit_price_net=rate_eur.quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP),
                net_eur=round_cent(usage_kwh * rate_eur),
            )
        )

    grid = session.get(GridArea, subscription.grid_area_id)
    assert grid is not None, "components_for found the grid area"
    lines.append(
        _monthly_line(
            "basic_price", "invoice.line.basic_price", plan.price / (1 + VAT_RATE), {"plan": plan.name, **month_params}
        )
    )
    lines.append(
        _monthly_line(
            "grid_basic_fee",
            "invoice.line.grid_basic_fee",
            grid.grid_basic_fee_eur_per_year / Decimal(12),
            {"operator": grid.operator, **month_params},
        )
    )
    if grid.metering_fee_eur_per_year > 0:
        lines.append(
            _monthly_line(
                "metering",
                "invoice.line.metering",
                grid.metering_fee_eur_per_year / Decimal(12),
                {"operator": grid.operator, **month_params},
            )
        )
    return lines


def _monthly_line(kind: str, key: str, net_per_month: Decimal, params: dict[str, str]) -> LineDraft:
    return LineDraft(
        kind=kind,
        description_key=key,
        description_params=params,
        quantity=Decimal(1),
        unit="month",
        unit_price_net=net_per_month.quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP),
        net_eur=round_cent(net_per_month),
    )


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
    # Every per-kWh component repeats the consumption, so only the energy line counts.
    usage = sum((line.quantity for line in lines if line.kind == "energy"), Decimal(0))

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
    if subscription.meter_type == "smart":
        return consumption_days.aggregate(session, plan=plan, subscription=subscription, period=period)
    intervals = consumption.billing_intervals(session, subscription=subscription, period=period)
    prices_ct = consumption.load_prices_ct(session, plan=plan, subscription=subscription, period=period)
    return consumption.aggregate(intervals, prices_ct, period=period)
