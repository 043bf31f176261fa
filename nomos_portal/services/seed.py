"""Demo tenants and customers for development; seeding twice changes nothing."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from nomos_portal.models import (
    Customer,
    GridArea,
    Invoice,
    Levy,
    MeterOrder,
    Org,
    PaymentMethod,
    Plan,
    ProductOrder,
    Subscription,
)
from nomos_portal.services import account, consumption, invoices, metering, orders, spot_prices
from nomos_portal.services.crypto import encrypt, mask_iban

logger = logging.getLogger(__name__)

BERLIN = ZoneInfo("Europe/Berlin")


def malo_id(first_ten_digits: str) -> str:
    """Complete a market location id with its check digit.

    The check digit follows the BDEW rule for MaLo ids: digits in odd
    positions are summed, digits in even positions are doubled and summed,
    and the check digit tops the total up to a multiple of ten.
    """
    if len(first_ten_digits) != 10 or not first_ten_digits.isdigit():
        msg = f"A MaLo id starts with 10 digits, not {first_ten_digits!r}."
        raise ValueError(msg)
    odd = sum(int(d) for d in first_ten_digits[0::2])
    even = sum(int(d) * 2 for d in first_ten_digits[1::2])
    return first_ten_digits + str((10 - (odd + even) % 10) % 10)


def berlin_midnight(year: int, month: int, day: int) -> datetime.datetime:
    """Midnight in Berlin on a date, as an aware UTC datetime."""
    return datetime.datetime(year, month, day, tzinfo=BERLIN).astimezone(datetime.UTC)


# Household (SLP, low voltage) network charges 2025 as published by SMARD.de (Bundesnetzagentur,
# CC BY 4.0): working price ct/kWh and basic price EUR/year, net. The concession levy is the
# KAV § 2 maximum for the municipality's size: 2.39 ct/kWh above 500,000 inhabitants, 1.32 ct/kWh
# up to 25,000.
DEMO_GRID_AREAS = {
    "Stromnetz Berlin GmbH": (Decimal("9.97"), Decimal("33.36"), Decimal("2.39")),
    "Hamburger Energienetze GmbH": (Decimal("12.11"), Decimal("72.00"), Decimal("2.39")),
    "E.DIS Netz GmbH": (Decimal("8.65"), Decimal("76.65"), Decimal("1.32")),
}
CITY_GRID_OPERATORS = {
    "Berlin": "Stromnetz Berlin GmbH",
    "Hamburg": "Hamburger Energienetze GmbH",
    "Kühlungsborn": "E.DIS Netz GmbH",
}

# Levies in ct/kWh net, valid from 1 January of each year: KWKG levy, § 19 StromNEV surcharge and
# offshore grid levy as published by the transmission system operators (netztransparenz.de), and
# the electricity tax of § 3 StromStG (20.50 EUR/MWh).
DEMO_LEVIES = {
    "kwkg": {2024: Decimal("0.275"), 2025: Decimal("0.277"), 2026: Decimal("0.446")},
    "stromnev_19": {2024: Decimal("0.643"), 2025: Decimal("1.558"), 2026: Decimal("1.559")},
    "offshore": {2024: Decimal("0.656"), 2025: Decimal("0.816"), 2026: Decimal("0.941")},
    "electricity_tax": {2024: Decimal("2.05"), 2025: Decimal("2.05"), 2026: Decimal("2.05")},
}


@dataclasses.dataclass(frozen=True)
class DemoSubscription:
    """A demo contract with its delivery point, meter and bank account."""

    number: str
    start: tuple[int, int, int]
    street: str
    house_number: str
    zip: str
    city: str
    meter_number: str
    meter_type: str
    malo_prefix: str
    estimated_usage: int
    iban: str
    status: str = "active"
    # Day the supplier confirmed the contract; the withdrawal period runs 14 days from it.
    confirmed: tuple[int, int, int] | None = None


@dataclasses.dataclass(frozen=True)
class DemoCustomer:
    """A demo customer and their subscriptions on one plan."""

    email: str
    first_name: str
    last_name: str
    subscriptions: tuple[DemoSubscription, ...]
    type: str = "person"
    company_name: str = ""
    vat_id: str = ""
    locale: str = "de"


@dataclasses.dataclass(frozen=True)
class DemoTenant:
    """A demo org with one plan, its brand and its customers."""

    org_name: str
    logo: str
    support_email: str
    support_phone: str
    support_hours: str
    support_url: str
    plan_name: str
    slug: str
    description: str
    monthly_fee: Decimal
    procurement_margin_ct_per_kwh: Decimal
    primary: str
    accent: str
    surface: str
    font_family: str
    font_stylesheet_url: str
    customers: tuple[DemoCustomer, ...]


DEMO_TENANTS = (
    DemoTenant(
        org_name="Acme",
        logo="/brands/acme-power.svg",
        support_email="service@acme-energie.example",
        support_phone="+49 30 1234567",
        support_hours="Mo–Fr 8–18 Uhr",
        support_url="https://acme-energie.example/hilfe",
        plan_name="Acme Power Dynamisch",
        slug="acme-power",
        description="Dynamischer Stromtarif mit viertelstündlichen Börsenpreisen.",
        monthly_fee=Decimal("11.90"),
        procurement_margin_ct_per_kwh=Decimal("1.50"),
        primary="#0b5fff",
        accent="#ff6b00",
        surface="#f7f9fc",
        font_family="Archivo",
        font_stylesheet_url="/fonts/archivo.css",
        customers=(
            DemoCustomer(
                email="anna.schmidt@example.com",
                first_name="Anna",
                last_name="Schmidt",
                subscriptions=(
                    DemoSubscription(
                        number="ACME-100001",
                        start=(2025, 3, 1),
                        street="Lindenstraße",
                        house_number="12",
                        zip="10969",
                        city="Berlin",
                        meter_number="1EBZ0100512345",
                        meter_type="smart",
                        malo_prefix="5123456789",
                        estimated_usage=3200,
                        iban="DE89370400440532013000",
                    ),
                    DemoSubscription(
                        number="ACME-100002",
                        start=(2025, 10, 1),
                        street="Strandweg",
                        house_number="4a",
                        zip="18225",
                        city="Kühlungsborn",
                        meter_number="1ESY1161234567",
                        meter_type="analog",
                        malo_prefix="5234567890",
                        estimated_usage=1400,
                        iban="DE89370400440532013000",
                    ),
                ),
            ),
            DemoCustomer(
                email="jonas.becker@example.com",
                first_name="Jonas",
                last_name="Becker",
                locale="en",
                subscriptions=(
                    DemoSubscription(
                        number="ACME-100003",
                        start=(2024, 11, 15),
                        street="Bergmannstraße",
                        house_number="88",
                        zip="10961",
                        city="Berlin",
                        meter_number="1EBZ0100598765",
                        meter_type="smart",
                        malo_prefix="5345678901",
                        estimated_usage=4100,
                        iban="DE02120300000000202051",
                    ),
                ),
            ),
            DemoCustomer(
                email="info@baeckerei-hoffmann.example",
                first_name="Petra",
                last_name="Hoffmann",
                type="company",
                company_name="Bäckerei Hoffmann GmbH",
                vat_id="DE123456789",
                subscriptions=(
                    DemoSubscription(
                        number="ACME-100004",
                        start=(2026, 1, 1),
                        street="Hauptstraße",
                        house_number="3",
                        zip="10827",
                        city="Berlin",
                        meter_number="1EBZ0100577777",
                        meter_type="smart",
                        malo_prefix="5456789012",
                        estimated_usage=18000,
                        iban="DE02500105170137075030",
                    ),
                ),
            ),
        ),
    ),
    DemoTenant(
        org_name="Lumio",
        logo="/brands/lumio.svg",
        support_email="hallo@lumio-strom.example",
        support_phone="+49 89 7654321",
        support_hours="Mo–Sa 9–20 Uhr",
        support_url="https://lumio-strom.example/kontakt",
        plan_name="Lumio Flex",
        slug="lumio",
        description="Flexibler Ökostromtarif zum Börsenpreis.",
        monthly_fee=Decimal("9.50"),
        procurement_margin_ct_per_kwh=Decimal("1.20"),
        primary="#c2185b",
        accent="#ffb300",
        surface="#fff8f0",
        font_family="Lora",
        font_stylesheet_url="/fonts/lora.css",
        customers=(
            DemoCustomer(
                email="lea.wagner@example.org",
                first_name="Lea",
                last_name="Wagner",
                subscriptions=(
                    DemoSubscription(
                        number="LUM-2025-0042",
                        start=(2025, 6, 1),
                        street="Schillerstraße",
                        house_number="21",
                        zip="22767",
                        city="Hamburg",
                        meter_number="1LOG0065123456",
                        meter_type="smart",
                        malo_prefix="5567890123",
                        estimated_usage=2600,
                        iban="DE02700100800030876808",
                    ),
                ),
            ),
            DemoCustomer(
                email="sophie.klein@example.org",
                first_name="Sophie",
                last_name="Klein",
                locale="en",
                subscriptions=(
                    DemoSubscription(
                        number="LUM-2024-0311",
                        start=(2024, 9, 1),
                        street="Kastanienallee",
                        house_number="5",
                        zip="10435",
                        city="Berlin",
                        meter_number="1EMH0012345678",
                        meter_type="smart",
                        malo_prefix="5789012345",
                        estimated_usage=1900,
                        iban="DE02300209000106531065",
                    ),
                ),
            ),
            DemoCustomer(
                email="max.fischer@example.org",
                first_name="Max",
                last_name="Fischer",
                subscriptions=(
                    DemoSubscription(
                        number="LUM-2026-0107",
                        start=(2027, 1, 1),
                        street="Goethestraße",
                        house_number="7",
                        zip="22763",
                        city="Hamburg",
                        meter_number="1ESY1169876543",
                        meter_type="analog",
                        malo_prefix="5678901234",
                        estimated_usage=2100,
                        iban="DE02100100100006820101",
                        status="pending",
                        confirmed=(2026, 11, 25),
                    ),
                ),
            ),
        ),
    ),
)


@dataclasses.dataclass
class SeedReport:
    """How many rows a seed run added."""

    orgs: int = 0
    plans: int = 0
    customers: int = 0
    subscriptions: int = 0


def seed_demo_data(session: Session, *, secret_key: str) -> SeedReport:
    """Add the demo tenants and customers that are not there yet.

    Rows are matched by plan slug, customer email per org and subscription
    number, so existing rows, including ones changed by hand, stay as they are.
    """
    report = SeedReport()
    grid_areas = _seed_price_components(session)
    for tenant in DEMO_TENANTS:
        plan = session.exec(select(Plan).where(Plan.slug == tenant.slug)).first()
        if plan is None:
            org = session.exec(select(Org).where(Org.name == tenant.org_name)).first()
            if org is None:
                org = Org(
                    name=tenant.org_name,
                    logo=tenant.logo,
                    support_email=tenant.support_email,
                    support_phone=tenant.support_phone,
                    support_hours=tenant.support_hours,
                    support_url=tenant.support_url,
                )
                session.add(org)
                session.flush()
                report.orgs += 1
            plan = Plan(
                org_id=org.id,
                name=tenant.plan_name,
                slug=tenant.slug,
                description=tenant.description,
                price=tenant.monthly_fee,
                procurement_margin_ct_per_kwh=tenant.procurement_margin_ct_per_kwh,
                color_primary=tenant.primary,
                color_accent=tenant.accent,
                color_surface=tenant.surface,
                font_family=tenant.font_family,
                font_stylesheet_url=tenant.font_stylesheet_url,
            )
            session.add(plan)
            session.flush()
            report.plans += 1
        for demo in tenant.customers:
            _seed_customer(session, plan=plan, demo=demo, secret_key=secret_key, report=report, grid_areas=grid_areas)
    seed_demo_orders(session)
    seed_demo_payment_terms(session)
    session.commit()
    logger.info("Seed added %s", report)
    return report


def _seed_price_components(session: Session) -> dict[str, int]:
    """Add the demo grid areas and the levies; returns grid area ids by operator."""
    ids = {}
    for operator, (fee, basic_fee, concession) in DEMO_GRID_AREAS.items():
        area = session.exec(select(GridArea).where(GridArea.operator == operator)).first()
        if area is None:
            area = GridArea(
                operator=operator,
                grid_fee_ct_per_kwh=fee,
                grid_basic_fee_eur_per_year=basic_fee,
                concession_levy_ct_per_kwh=concession,
            )
            session.add(area)
            session.flush()
        ids[operator] = area.id
    for code, by_year in DEMO_LEVIES.items():
        for year, value in by_year.items():
            valid_from = datetime.date(year, 1, 1)
            exists = session.exec(select(Levy).where(Levy.code == code).where(Levy.valid_from == valid_from)).first()
            if exists is None:
                session.add(Levy(code=code, valid_from=valid_from, ct_per_kwh=value))
    return ids


def seed_demo_prices(session: Session) -> int:
    """Import the shipped real DE-LU day-ahead prices; returns the number of new rows."""
    added = 0
    for path in spot_prices.demo_price_files():
        added += spot_prices.import_price_file(session, path=path).added
    return added


def seed_demo_meter_data(session: Session, *, now: datetime.datetime) -> int:
    """Give smart meters a year of intervals up to yesterday and analog meters their readings."""
    added = 0
    for subscription in session.exec(select(Subscription).order_by(Subscription.id)).all():
        added += metering.ensure_demo_consumption(session, subscription=subscription, now=now)
        added += metering.seed_demo_readings(session, subscription=subscription, now=now)
    return added


def _seed_customer(
    session: Session,
    *,
    plan: Plan,
    demo: DemoCustomer,
    secret_key: str,
    report: SeedReport,
    grid_areas: dict[str, int],
) -> None:
    customer = session.exec(
        select(Customer).where(Customer.org_id == plan.org_id).where(Customer.email == demo.email)
    ).first()
    if customer is None:
        customer = Customer(
            org_id=plan.org_id,
            type=demo.type,
            first_name=demo.first_name,
            last_name=demo.last_name,
            company_name=demo.company_name,
            email=demo.email,
            vat_id=demo.vat_id,
            locale=demo.locale,
        )
        session.add(customer)
        session.flush()
        report.customers += 1

    for item in demo.subscriptions:
        if session.exec(select(Subscription).where(Subscription.number == item.number)).first():
            continue
        malo = malo_id(item.malo_prefix)
        subscription = Subscription(
            customer_id=customer.id,
            plan_id=plan.id,
            number=item.number,
            status=item.status,
            estimated_usage=item.estimated_usage,
            start_at=berlin_midnight(*item.start),
            address_street=item.street,
            address_house_number=item.house_number,
            address_zip=item.zip,
            address_city=item.city,
            meter_number=item.meter_number,
            meter_type=item.meter_type,
            meter_malo=malo,
            meter_melo=f"DE00{item.zip}{malo}{item.meter_number[-12:]}".ljust(33, "0")[:33],
            grid_area_id=grid_areas[CITY_GRID_OPERATORS[item.city]],
            confirmed_at=(
                berlin_midnight(*item.confirmed)
                if item.confirmed
                else berlin_midnight(*item.start) - datetime.timedelta(days=30)
            ),
        )
        session.add(subscription)
        session.flush()
        session.add(
            PaymentMethod(
                subscription_id=subscription.id,
                type="sepa_debit",
                account_holder=demo.company_name or f"{demo.first_name} {demo.last_name}",
                iban_encrypted=encrypt(item.iban, secret_key=secret_key),
                iban_masked=mask_iban(item.iban),
            )
        )
        report.subscriptions += 1


# Demo orders: a smart meter on its way for Anna Schmidt's holiday flat (analog meter), and § 14a EnWG
# modules for Jonas Becker's smart meter. Other analog meters, such as Max Fischer's on lumio, stay
# without an order, so the demo shows the "order a smart meter" offer too.
DEMO_METER_ORDERS = {
    "ACME-100002": {
        "status": "scheduled",
        "created": (2026, 2, 16),
        # 14 April 2026, 08:00 in Berlin.
        "appointment": datetime.datetime(2026, 4, 14, 8, 0, tzinfo=BERLIN),
    },
}
DEMO_PRODUCTS = {
    "ACME-100003": (
        ("enwg-14a-module-1", "activated", datetime.date(2025, 1, 1), None),
        ("enwg-14a-module-3", "intended", datetime.date(2026, 4, 1), None),
    ),
}


def seed_demo_orders(session: Session) -> int:
    """Add the demo smart-meter orders and add-on products that are missing; returns the number of new rows.

    A contract that has any order or product already is left as it is.
    """
    added = 0
    for number, demo in DEMO_METER_ORDERS.items():
        subscription = session.exec(select(Subscription).where(Subscription.number == number)).first()
        if subscription is None:
            continue
        ordered = session.exec(select(MeterOrder).where(MeterOrder.subscription_id == subscription.id)).first()
        if ordered is not None:
            continue
        created = berlin_midnight(*demo["created"])
        session.add(
            MeterOrder(
                subscription_id=subscription.id,
                status=demo["status"],
                provider=orders.default_provider(session, subscription=subscription),
                appointment_at=demo["appointment"].astimezone(datetime.UTC),
                created_at=created,
                updated_at=created,
            )
        )
        added += 1
    for number, products in DEMO_PRODUCTS.items():
        subscription = session.exec(select(Subscription).where(Subscription.number == number)).first()
        if subscription is None:
            continue
        booked = session.exec(select(ProductOrder).where(ProductOrder.subscription_id == subscription.id)).first()
        if booked is not None:
            continue
        for code, status, valid_from, valid_until in products:
            session.add(
                ProductOrder(
                    subscription_id=subscription.id,
                    product_code=code,
                    status=status,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
            )
            added += 1
    session.flush()
    return added


# Demo SEPA creditor identifiers (Gläubiger-IDs) with valid check digits but assigned to nobody,
# and whether a plan also takes bank transfers. Real orgs enter their own creditor id.
DEMO_CREDITOR_IDS = {"Acme": "DE98ZZZ09999999999", "Lumio": "DE13ZZZ00000012345"}
DEMO_BANK_TRANSFER_PLANS = ("lumio",)
# Postal address and VAT id of each demo org, as printed on its invoices: (street, postcode, city, VAT id).
DEMO_ORG_ADDRESSES = {
    "Acme": ("Friedrichstraße 123", "10117", "Berlin", "DE999999999"),
    "Lumio": ("Leopoldstraße 45", "80802", "München", "DE888888888"),
}


def seed_demo_payment_terms(session: Session) -> int:
    """Fill in demo orgs' creditor ids and addresses, mandate references and plans' bank-transfer flags.

    Only empty values are filled, so values an operator set stay.

    Returns:
        The number of changed rows.
    """
    changed = 0
    for name, creditor in DEMO_CREDITOR_IDS.items():
        org = session.exec(select(Org).where(Org.name == name)).first()
        if org is not None and not org.sepa_creditor_id:
            org.sepa_creditor_id = creditor
            session.add(org)
            changed += 1
    for name, (street, postcode, city, vat_id) in DEMO_ORG_ADDRESSES.items():
        org = session.exec(select(Org).where(Org.name == name)).first()
        if org is not None and not org.address_street:
            org.address_street, org.address_zip, org.address_city, org.vat_id = street, postcode, city, vat_id
            session.add(org)
            changed += 1
    # A SEPA debit needs a mandate reference, which invoices print.
    for method in session.exec(
        select(PaymentMethod)
        .where(PaymentMethod.type == "sepa_debit")
        .where(PaymentMethod.mandate_reference == "")
        .where(col(PaymentMethod.replaced_at).is_(None))
    ).all():
        subscription = session.get(Subscription, method.subscription_id)
        assert subscription is not None
        method.mandate_reference = account.next_mandate_reference(session, subscription=subscription)
        session.add(method)
        changed += 1
    for slug in DEMO_BANK_TRANSFER_PLANS:
        plan = session.exec(select(Plan).where(Plan.slug == slug)).first()
        if plan is not None and not plan.allows_bank_transfer:
            plan.allows_bank_transfer = True
            session.add(plan)
            changed += 1
    session.flush()
    return changed


# Months billed per smart meter, counted back from the month before the current one.
DEMO_INVOICE_MONTHS = 12
# The demo invoice that is cancelled by a void document and issued again, counted from the newest.
DEMO_VOIDED_MONTH_INDEX = 3


def seed_demo_invoices(session: Session, *, now: datetime.datetime) -> int:
    """Bill the months before `now` of every subscription with meter data or readings, once per month.

    Invoices whose due date has passed are paid, the others open. One month per
    meter is voided and issued again, so the demo shows a void document.

    NOTE: The oldest month usually has meter data for a few days only, because the
    demo series starts a year before `now`, but it still bills a whole month's basic fees.

    Returns:
        The number of new invoices, void documents included.
    """
    today = spot_prices.berlin_date(now)
    months = []
    for offset in range(DEMO_INVOICE_MONTHS, 0, -1):
        index = today.year * 12 + today.month - 1 - offset
        months.append((index // 12, index % 12 + 1))
    first_day = datetime.date(*months[0], 1)
    days = [first_day + datetime.timedelta(days=offset) for offset in range((today.replace(day=1) - first_day).days)]
    spot_prices.ensure_demo_prices(session, days=days, now=now)

    added = 0
    subscriptions = session.exec(
        select(Subscription).where(col(Subscription.start_at).is_not(None)).order_by(Subscription.id)
    ).all()
    for subscription in subscriptions:
        plan = session.get(Plan, subscription.plan_id)
        assert plan is not None
        billed = []
        for period_number, (year, month) in enumerate(months, start=1):
            number = f"R-{subscription.number}-{year}{month:02d}"
            if session.exec(select(Invoice).where(Invoice.invoice_number == number)).first() is not None:
                continue
            start, end = consumption_bounds(year, month)
            period = invoices.month_period(year, month)
            if not consumption.has_billing_data(session, subscription=subscription, period=period):
                continue
            # The metering operator reports the register at both ends of a billed month.
            metering.record_register_reading(session, subscription=subscription, moment=start)
            metering.record_register_reading(session, subscription=subscription, moment=end)
            lines = invoices.usage_lines(session, plan=plan, subscription=subscription, year=year, month=month)
            invoice = invoices.store_invoice(
                session,
                subscription=subscription,
                invoice_number=number,
                invoice_type="usage",
                year=year,
                month=month,
                period_number=period_number,
                issued_at=end + datetime.timedelta(hours=6),
                lines=lines,
            )
            _settle_demo_invoice(invoice, now=now)
            billed.append((invoice, lines))
            added += 1
        if len(billed) > DEMO_VOIDED_MONTH_INDEX:
            added += _void_and_reissue(
                session, subscription=subscription, billed=billed[-DEMO_VOIDED_MONTH_INDEX], now=now
            )
    session.commit()
    return added


def consumption_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC start and exclusive end of a Berlin calendar month."""
    period = invoices.month_period(year, month)
    return spot_prices.local_day_bounds(period.start)[0], spot_prices.local_day_bounds(period.end)[0]


def _settle_demo_invoice(invoice: Invoice, *, now: datetime.datetime) -> None:
    if invoice.due_at < now:
        invoice.status = "paid"
        invoice.paid_at = invoice.due_at


def _void_and_reissue(
    session: Session,
    *,
    subscription: Subscription,
    billed: tuple[Invoice, list[invoices.LineDraft]],
    now: datetime.datetime,
) -> int:
    """Void a demo invoice two days after it was issued and issue the month again; returns the new rows."""
    invoice, lines = billed
    corrected_at = invoice.issued_at + datetime.timedelta(days=2)
    void = invoices.void_invoice(session, invoice=invoice, issued_at=corrected_at)
    void.status = "paid"
    void.paid_at = corrected_at
    reissued = invoices.store_invoice(
        session,
        subscription=subscription,
        invoice_number=f"{invoice.invoice_number}-2",
        invoice_type="usage",
        year=invoice.year,
        month=invoice.month,
        period_number=invoice.period_number,
        issued_at=corrected_at,
        lines=lines,
    )
    _settle_demo_invoice(reissued, now=now)
    session.flush()
    return 2
