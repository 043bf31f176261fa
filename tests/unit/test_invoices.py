import datetime
import json
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from nomos_portal import i18n
from nomos_portal.models import Customer, GridArea, Invoice, InvoiceLine, Plan, Subscription
from nomos_portal.services import consumption, invoices, pricing, readings
from nomos_portal.services.customers import NotFoundError
from nomos_portal.services.seed import seed_demo_invoices
from tests.conftest import SEED_NOW

D = Decimal


def subscription_of(session: Session, email: str, plan_slug: str = "acme-power") -> tuple[Plan, Subscription]:
    plan = session.exec(select(Plan).where(Plan.slug == plan_slug)).one()
    customer = session.exec(select(Customer).where(Customer.email == email)).first()
    assert customer is not None
    subscription = session.exec(
        select(Subscription)
        .where(Subscription.customer_id == customer.id)
        .where(Subscription.plan_id == plan.id)
        .order_by(Subscription.id)
    ).first()
    assert subscription is not None
    return plan, subscription


def add_invoices(session: Session, subscription: Subscription, count: int) -> None:
    line = invoices.LineDraft(
        kind="basic_price",
        description_key="invoice.line.basic_price",
        description_params={},
        quantity=D(1),
        unit="month",
        unit_price_net=D("10"),
        net_eur=D("10.00"),
    )
    for index in range(count):
        year, month = 2020 + index // 12, index % 12 + 1
        invoices.store_invoice(
            session,
            subscription=subscription,
            invoice_number=f"T-{subscription.id}-{index}",
            invoice_type="usage",
            year=year,
            month=month,
            period_number=index + 1,
            issued_at=datetime.datetime(year, month, 28, tzinfo=datetime.UTC),
            lines=[line],
        )
    session.commit()


def test_totals_put_vat_on_rounded_net_sum():
    totals = invoices.compute_totals([D("10.005"), D("0.004"), D("5.125")])
    assert totals.net_eur == D("15.14")
    assert totals.vat_eur == D("2.88")
    assert totals.total_eur == D("18.02")


def test_totals_round_half_up_to_cent():
    totals = invoices.compute_totals([D("0.50")])
    assert totals.vat_eur == D("0.10")
    assert totals.total_eur == D("0.60")
    assert invoices.compute_totals([D("0.05")]).vat_eur == D("0.01")
    assert invoices.compute_totals([D("0.02")]).vat_eur == D("0.00")


def test_line_gross_is_net_plus_rounded_vat():
    assert invoices.line_gross(D("10.05")) == D("11.96")
    assert invoices.line_gross(D("-10.05")) == D("-11.96")


def test_seeded_invoice_total_matches_its_lines(invoiced_session: Session):
    _plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    rows = invoiced_session.exec(
        select(Invoice).where(Invoice.subscription_id == subscription.id).where(Invoice.type == "usage")
    ).all()
    assert len(rows) >= 12
    for invoice in rows:
        lines = invoices.invoice_lines(invoiced_session, invoice_id=invoice.id)
        assert [line.position for line in lines] == list(range(1, 10))
        net = sum((line.net_eur for line in lines), D(0))
        assert invoice.total == net + (net * D("0.19")).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert invoice.usage == lines[0].quantity
        assert invoice.usage > 0
        assert invoice.total == invoice.total.quantize(D("0.01"))


def test_energy_line_uses_interval_prices(invoiced_session: Session):
    plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    lines = invoices.usage_lines(invoiced_session, plan=plan, subscription=subscription, year=2026, month=6)
    energy = lines[0]
    assert energy.kind == "energy"
    assert energy.unit == "kWh"
    # Spot price plus margin, net: between 5 and 40 ct/kWh for these demo months.
    assert D("0.05") < energy.net_eur / energy.quantity < D("0.40")
    assert json.loads(json.dumps(energy.description_params)) == {"month": "06", "year": "2026"}


def test_usage_lines_itemise_every_component(invoiced_session: Session):
    plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    lines = invoices.usage_lines(invoiced_session, plan=plan, subscription=subscription, year=2026, month=6)
    kinds = [line.kind for line in lines]
    assert kinds == [
        "energy",
        "grid_fee",
        "concession_levy",
        "kwkg",
        "stromnev_19",
        "offshore",
        "electricity_tax",
        "basic_price",
        "grid_basic_fee",
    ]
    components = pricing.components_for(
        invoiced_session, plan=plan, subscription=subscription, day=datetime.date(2026, 6, 1)
    )
    by_kind = {line.kind: line for line in lines}
    usage = by_kind["energy"].quantity
    for kind in ("grid_fee", "concession_levy", "kwkg", "stromnev_19", "offshore", "electricity_tax"):
        line = by_kind[kind]
        assert line.quantity == usage
        assert line.unit == "kWh"
    tax = by_kind["electricity_tax"]
    assert tax.unit_price_net == components.electricity_tax_ct_per_kwh / 100
    assert tax.net_eur == (usage * components.electricity_tax_ct_per_kwh / 100).quantize(
        D("0.01"), rounding="ROUND_HALF_UP"
    )
    assert by_kind["basic_price"].net_eur == (plan.price / D("1.19")).quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_itemised_lines_add_up_to_interval_prices(invoiced_session: Session):
    plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    lines = invoices.usage_lines(invoiced_session, plan=plan, subscription=subscription, year=2026, month=6)
    period = invoices.month_period(2026, 6)
    intervals = consumption.load_intervals(invoiced_session, subscription_id=subscription.id, period=period)
    prices_ct = consumption.load_prices_ct(invoiced_session, plan=plan, subscription=subscription, period=period)
    gross_ct = float(sum(energy * prices_ct[moment] for moment, energy in intervals["energy_kwh"].items()))
    per_kwh_net = sum(line.net_eur for line in lines if line.unit == "kWh")
    # The per-kWh lines, each rounded to the cent, match the gross interval prices net of VAT.
    assert abs(per_kwh_net - D(repr(gross_ct / 100 / 1.19))) < D("0.05")


def test_metering_line_when_grid_area_charges_it(invoiced_session: Session):
    plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    grid = invoiced_session.get(GridArea, subscription.grid_area_id)
    grid.metering_fee_eur_per_year = D("30.00")
    invoiced_session.add(grid)
    invoiced_session.flush()
    lines = invoices.usage_lines(invoiced_session, plan=plan, subscription=subscription, year=2026, month=6)
    metering = lines[-1]
    assert metering.kind == "metering"
    assert metering.unit == "month"
    assert metering.net_eur == D("2.50")


def test_stored_usage_counts_consumption_once(invoiced_session: Session):
    _plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    invoice = invoiced_session.exec(
        select(Invoice).where(Invoice.subscription_id == subscription.id).where(Invoice.type == "usage")
    ).first()
    stored = invoices.invoice_lines(invoiced_session, invoice_id=invoice.id)
    energy = next(line for line in stored if line.kind == "energy")
    assert invoice.usage == energy.quantity
    assert len([line for line in stored if line.unit == "kWh"]) == 7


def test_seed_is_idempotent_and_voids_one(invoiced_session: Session):
    assert seed_demo_invoices(invoiced_session, now=SEED_NOW) == 0
    _plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    voids = invoiced_session.exec(
        select(Invoice).where(Invoice.subscription_id == subscription.id).where(Invoice.type == "void")
    ).all()
    assert len(voids) == 1
    original = invoiced_session.get(Invoice, voids[0].voids_invoice_id)
    assert original is not None
    assert original.status == "voided"
    assert voids[0].total == -original.total
    statuses = {
        row.status for row in invoiced_session.exec(select(Invoice).where(Invoice.subscription_id == subscription.id))
    }
    assert statuses == {"paid", "open", "voided"}
    lines = invoiced_session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == voids[0].id)).all()
    assert all(line.net_eur <= 0 for line in lines)


@pytest.mark.parametrize(
    ("count", "page", "expected_page", "expected_rows", "expected_pages"),
    [
        (0, 1, 1, 0, 1),
        (1, 1, 1, 1, 1),
        (10, 1, 1, 10, 1),
        (10, 2, 1, 10, 1),
        (11, 1, 1, 10, 2),
        (11, 2, 2, 1, 2),
        (11, 0, 1, 10, 2),
        (11, 99, 2, 1, 2),
    ],
)
def test_list_pagination_edges(session: Session, count, page, expected_page, expected_rows, expected_pages):
    plan, subscription = subscription_of(session, "jonas.becker@example.com")
    add_invoices(session, subscription, count)
    result = invoices.list_invoices(
        session, plan_id=plan.id, customer_id=subscription.customer_id, subscription_id=subscription.id, page=page
    )
    assert result.total_count == count
    assert result.page == expected_page
    assert result.page_count == expected_pages
    assert len(result.invoices) == expected_rows


def test_list_is_newest_first(session: Session):
    plan, subscription = subscription_of(session, "jonas.becker@example.com")
    add_invoices(session, subscription, 11)
    first = invoices.list_invoices(
        session, plan_id=plan.id, customer_id=subscription.customer_id, subscription_id=subscription.id, page=1
    )
    second = invoices.list_invoices(
        session, plan_id=plan.id, customer_id=subscription.customer_id, subscription_id=subscription.id, page=2
    )
    issued = [row.issued_at for row in first.invoices + second.invoices]
    assert issued == sorted(issued, reverse=True)


def test_get_invoice_rejects_foreign_ids(invoiced_session: Session):
    plan, own = subscription_of(invoiced_session, "jonas.becker@example.com")
    lumio, foreign = subscription_of(invoiced_session, "lea.wagner@example.org", "lumio")
    own_invoice = invoiced_session.exec(select(Invoice).where(Invoice.subscription_id == own.id)).first()
    foreign_invoice = Invoice(
        subscription_id=foreign.id,
        invoice_number="X-1",
        month=1,
        year=2026,
        period_start=SEED_NOW,
        period_end=SEED_NOW,
        issued_at=SEED_NOW,
        due_at=SEED_NOW,
    )
    invoiced_session.add(foreign_invoice)
    invoiced_session.commit()
    found = invoices.get_invoice(
        invoiced_session,
        plan_id=plan.id,
        customer_id=own.customer_id,
        subscription_id=own.id,
        invoice_id=own_invoice.id,
    )
    assert found.id == own_invoice.id
    cases = [
        (plan.id, own.customer_id, own.id, foreign_invoice.id),
        (plan.id, own.customer_id, own.id, 999_999),
        (lumio.id, own.customer_id, own.id, own_invoice.id),
        (plan.id, foreign.customer_id, own.id, own_invoice.id),
        (plan.id, own.customer_id, foreign.id, foreign_invoice.id),
    ]
    for plan_id, customer_id, subscription_id, invoice_id in cases:
        with pytest.raises(NotFoundError):
            invoices.get_invoice(
                invoiced_session,
                plan_id=plan_id,
                customer_id=customer_id,
                subscription_id=subscription_id,
                invoice_id=invoice_id,
            )


def test_list_rejects_foreign_subscription(session: Session):
    plan, _own = subscription_of(session, "jonas.becker@example.com")
    _lumio, foreign = subscription_of(session, "lea.wagner@example.org", "lumio")
    with pytest.raises(NotFoundError):
        invoices.list_invoices(
            session, plan_id=plan.id, customer_id=foreign.customer_id, subscription_id=foreign.id, page=1
        )


def test_line_descriptions_are_in_catalogues(invoiced_session: Session):
    plan, subscription = subscription_of(invoiced_session, "jonas.becker@example.com")
    lines = invoices.usage_lines(invoiced_session, plan=plan, subscription=subscription, year=2026, month=6)
    for line in lines:
        for language in ("de", "en"):
            text = i18n.translate(line.description_key, language, **line.description_params)
            assert "06/2026" in text


def test_analog_meter_billed_from_its_readings(invoiced_session: Session):
    subscription = invoiced_session.exec(select(Subscription).where(Subscription.number == "ACME-100002")).one()
    assert subscription.meter_type == "analog"
    rows = invoiced_session.exec(
        select(Invoice)
        .where(Invoice.subscription_id == subscription.id, Invoice.type == "usage", Invoice.status != "voided")
        .order_by(Invoice.period_start)
    ).all()
    # The seed bills the twelve months before its clock's month, December 2025 to November 2026.
    assert [(row.year, row.month) for row in rows] == [(2025, 12)] + [(2026, month) for month in range(1, 12)]
    stored = readings.list_readings(invoiced_session, subscription_id=subscription.id)
    for row in rows:
        period = invoices.month_period(row.year, row.month)
        daily = consumption.interpolated_days(stored, period=period)
        assert row.usage == D(repr(float(daily["energy_kwh"].sum()))).quantize(D("0.001"), rounding="ROUND_HALF_UP")
        assert row.total > 0


def test_subscription_not_started_has_no_invoices(invoiced_session: Session):
    pending = invoiced_session.exec(select(Subscription).where(Subscription.status == "pending")).all()
    assert pending
    for subscription in pending:
        page = invoices.list_invoices(
            invoiced_session,
            plan_id=subscription.plan_id,
            customer_id=subscription.customer_id,
            subscription_id=subscription.id,
            page=1,
        )
        assert page.total_count == 0
