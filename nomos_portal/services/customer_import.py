"""Import customers and their subscriptions from one CSV file, one row per subscription.

The whole file is checked before anything is written, and written in one
transaction. Customers are matched by email within the plan's org and
subscriptions by number, so importing the same file again changes nothing.
Columns left out of the header keep their stored values on existing rows.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from collections.abc import Callable

from sqlmodel import Session, select

from nomos_portal.models import Customer, GridArea, Plan, Subscription
from nomos_portal.services.csv_files import CsvTable, check_columns, parse_date, read_csv, row_error
from nomos_portal.services.seed import malo_id
from nomos_portal.services.sign_in import InvalidEmailError, validate_email
from nomos_portal.services.spot_prices import BERLIN

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("plan", "email", "number", "address_street", "address_house_number", "address_zip", "address_city")
CUSTOMER_COLUMNS = ("type", "first_name", "last_name", "company_name", "vat_id", "phone", "locale")
SUBSCRIPTION_COLUMNS = (
    "status",
    "start_date",
    "end_date",
    "billing_address_street",
    "billing_address_house_number",
    "billing_address_zip",
    "billing_address_city",
    "meter_number",
    "meter_type",
    "meter_malo",
    "meter_melo",
    "grid_operator",
    "estimated_usage",
)
OPTIONAL_COLUMNS = CUSTOMER_COLUMNS + SUBSCRIPTION_COLUMNS

ZIP_PATTERN = re.compile(r"^\d{5}$")
# Letters (with umlauts and accents), digits and the punctuation of street names such as "Straße des 17. Juni".
STREET_PATTERN = re.compile(r"^[^\W_][\w .,'’()/&-]*$")
# 12, 12a, 12 a, 12-14, 3/1.
HOUSE_NUMBER_PATTERN = re.compile(r"^\d{1,4} ?[a-zA-Z]?( ?[-/] ?\d{1,4} ?[a-zA-Z]?)?$")
# Letters, spaces and the punctuation of names such as "Frankfurt (Oder)" or "St. Ingbert"; no digits.
CITY_PATTERN = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’()/-])*$")
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
MELO_PATTERN = re.compile(r"^DE[0-9A-Z]{31}$")


@dataclasses.dataclass(frozen=True)
class CustomerImportReport:
    """Counts of an import: rows read, and customers and subscriptions added, updated or unchanged."""

    rows: int
    customers_added: int
    customers_updated: int
    subscriptions_added: int
    subscriptions_updated: int
    subscriptions_unchanged: int


@dataclasses.dataclass
class _Row:
    line: int
    plan: Plan
    email: str
    customer: dict[str, object]
    subscription: dict[str, object]


# -- checks per cell ----------------------------------------------------------------


def _text(row: dict[str, str], column: str, maximum: int) -> str:
    value = row.get(column, "")
    if len(value) > maximum:
        msg = f"{column} is {len(value)} characters long, the maximum is {maximum}"
        raise ValueError(msg)
    if any(ord(ch) < 32 for ch in value):
        msg = f"{column} contains control characters"
        raise ValueError(msg)
    return value


def _choice(row: dict[str, str], column: str, choices: tuple[str, ...], default: str) -> str:
    value = row.get(column, "").lower() or default
    if value not in choices:
        msg = f"{column} {value!r} is not one of {', '.join(choices)}"
        raise ValueError(msg)
    return value


def _address(row: dict[str, str], prefix: str, *, required: bool) -> dict[str, str]:
    street = _text(row, f"{prefix}street", 100)
    house_number = _text(row, f"{prefix}house_number", 10)
    zip_code = row.get(f"{prefix}zip", "")
    city = _text(row, f"{prefix}city", 100)
    if not required and not any((street, house_number, zip_code, city)):
        return {f"{prefix}street": "", f"{prefix}house_number": "", f"{prefix}zip": "", f"{prefix}city": ""}
    if not STREET_PATTERN.match(street) or sum(ch.isalpha() for ch in street) < 2:
        msg = f"{prefix}street {street!r} is not a street name; put the house number in {prefix}house_number"
        raise ValueError(msg)
    if not HOUSE_NUMBER_PATTERN.match(house_number):
        msg = f"{prefix}house_number {house_number!r} is not a house number such as 12, 12a or 12-14"
        raise ValueError(msg)
    if not ZIP_PATTERN.match(zip_code):
        msg = f"{prefix}zip {zip_code!r} is not a German postcode of 5 digits"
        raise ValueError(msg)
    if not CITY_PATTERN.match(city) or sum(ch.isalpha() for ch in city) < 2:
        msg = f"{prefix}city {city!r} is not a town name (letters, spaces, hyphens, dots, brackets; no digits)"
        raise ValueError(msg)
    return {
        f"{prefix}street": street,
        f"{prefix}house_number": house_number,
        f"{prefix}zip": zip_code,
        f"{prefix}city": city,
    }


def _berlin_midnight(row: dict[str, str], column: str) -> datetime.datetime | None:
    if not row.get(column):
        return None
    day = parse_date(row[column])
    return datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)


def _customer_fields(row: dict[str, str], columns: list[str]) -> dict[str, object]:
    fields: dict[str, object] = {
        "type": _choice(row, "type", ("person", "company"), "person"),
        "first_name": _text(row, "first_name", 100),
        "last_name": _text(row, "last_name", 100),
        "company_name": _text(row, "company_name", 200),
        "vat_id": _text(row, "vat_id", 20),
        "phone": _text(row, "phone", 40),
        "locale": _choice(row, "locale", ("de", "en"), "de"),
    }
    if fields["type"] == "person" and not (fields["first_name"] and fields["last_name"]):
        raise ValueError("a person needs first_name and last_name")
    if fields["type"] == "company" and not fields["company_name"]:
        raise ValueError("a company needs company_name")
    # Only columns in the header change existing customers; type and locale have defaults for new ones.
    return {name: value for name, value in fields.items() if name in columns}


def _subscription_fields(row: dict[str, str], columns: list[str], grid_areas: dict[str, int]) -> dict[str, object]:
    number = row["number"]
    if not NUMBER_PATTERN.match(number) or len(number) > 40:
        msg = f"number {number!r} must be 1 to 40 letters, digits, dots, slashes, hyphens or underscores"
        raise ValueError(msg)
    fields: dict[str, object] = {"number": number}
    fields.update(_address(row, "address_", required=True))
    fields.update(_address(row, "billing_address_", required=False))
    fields["status"] = _choice(row, "status", ("pending", "active", "ended"), "pending")
    fields["start_at"] = _berlin_midnight(row, "start_date")
    fields["end_at"] = _berlin_midnight(row, "end_date")
    if fields["start_at"] and fields["end_at"] and fields["end_at"] <= fields["start_at"]:
        raise ValueError("end_date must be after start_date")
    fields["meter_number"] = _text(row, "meter_number", 40)
    fields["meter_type"] = _choice(row, "meter_type", ("smart", "analog"), "analog")
    malo = row.get("meter_malo", "")
    if malo and (len(malo) != 11 or not malo.isdigit() or malo_id(malo[:10]) != malo):
        msg = f"meter_malo {malo!r} is not a market location id: 11 digits with a valid check digit"
        raise ValueError(msg)
    fields["meter_malo"] = malo
    melo = row.get("meter_melo", "")
    if melo and not MELO_PATTERN.match(melo):
        msg = f"meter_melo {melo!r} is not a metering location id: DE and 31 digits or capital letters"
        raise ValueError(msg)
    fields["meter_melo"] = melo
    operator = row.get("grid_operator", "")
    if operator and operator not in grid_areas:
        known = ", ".join(sorted(grid_areas)) or "none yet"
        msg = f"grid_operator {operator!r} is not known; known operators are {known}"
        raise ValueError(msg)
    fields["grid_area_id"] = grid_areas.get(operator)
    usage = row.get("estimated_usage", "") or "0"
    if not usage.isascii() or not usage.isdigit() or int(usage) > 100_000_000:
        msg = f"estimated_usage {usage!r} is not a whole number of kWh per year"
        raise ValueError(msg)
    fields["estimated_usage"] = int(usage)

    column_of = {"start_at": "start_date", "end_at": "end_date", "grid_area_id": "grid_operator"}
    return {
        name: value
        for name, value in fields.items()
        if column_of.get(name, name) in columns or name in REQUIRED_COLUMNS or name.startswith("address_")
    }


# -- the import -------------------------------------------------------------------


def _check_rows(session: Session, table: CsvTable, *, source: str) -> list[_Row]:
    """Check every row against the rules, the database and the other rows; raise on the first bad one."""
    plans = {plan.slug: plan for plan in session.exec(select(Plan)).all()}
    grid_areas = {area.operator: area.id for area in session.exec(select(GridArea)).all() if area.id is not None}
    checked: list[_Row] = []
    numbers: dict[str, int] = {}
    customers: dict[tuple[int, str], tuple[int, dict[str, object]]] = {}
    for line, row in table.rows:
        try:
            plan = plans.get(row["plan"])
            if plan is None:
                msg = f"plan {row['plan']!r} does not exist; `python -m nomos_portal tenants` lists the plans"
                raise ValueError(msg)
            try:
                email = validate_email(row["email"])
            except InvalidEmailError:
                raise ValueError(f"email {row['email']!r} is not a valid email address") from None
            customer_fields = _customer_fields(row, table.columns)
            subscription_fields = _subscription_fields(row, table.columns, grid_areas)
        except ValueError as error:
            raise row_error(source, line, str(error)) from None

        number = str(subscription_fields["number"])
        if number in numbers:
            raise row_error(source, line, f"subscription number {number!r} repeats line {numbers[number]}")
        numbers[number] = line
        key = (plan.org_id, email)
        if key in customers and customers[key][1] != customer_fields:
            first_line = customers[key][0]
            raise row_error(source, line, f"the customer fields of {email} differ from line {first_line}")
        customers.setdefault(key, (line, customer_fields))
        checked.append(
            _Row(line=line, plan=plan, email=email, customer=customer_fields, subscription=subscription_fields)
        )
    return checked


def _apply(target: object, fields: dict[str, object]) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def import_customers(
    session: Session, *, text: str, source: str, progress: Callable[[int], None] | None = None
) -> CustomerImportReport:
    """Check and store a customer CSV file in one transaction.

    Args:
        session: Open database session.
        text: The file's content.
        source: File name for error messages.
        progress: Called with the number of rows written after each row.

    Raises:
        CsvImportError: A missing or unknown column, or a bad row, named by its line number;
            nothing was written.
    """
    table = read_csv(text, source=source)
    check_columns(table, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, source=source)
    rows = _check_rows(session, table, source=source)

    customers_added = customers_updated = 0
    subscriptions_added = subscriptions_updated = 0
    seen_customers: dict[tuple[int, str], Customer] = {}
    try:
        for row in rows:
            key = (row.plan.org_id, row.email)
            customer = seen_customers.get(key)
            if customer is None:
                customer = session.exec(
                    select(Customer).where(Customer.org_id == row.plan.org_id).where(Customer.email == row.email)
                ).first()
                if customer is None:
                    customer = Customer(org_id=row.plan.org_id, email=row.email)
                    _apply(customer, row.customer)
                    session.add(customer)
                    session.flush()
                    customers_added += 1
                elif _apply(customer, row.customer):
                    session.add(customer)
                    customers_updated += 1
                seen_customers[key] = customer
            assert customer.id is not None

            number = str(row.subscription["number"])
            subscription = session.exec(select(Subscription).where(Subscription.number == number)).first()
            if subscription is None:
                subscription = Subscription(customer_id=customer.id, plan_id=row.plan.id, **row.subscription)
                session.add(subscription)
                subscriptions_added += 1
            else:
                if subscription.customer_id != customer.id or subscription.plan_id != row.plan.id:
                    message = (
                        f"subscription {number!r} already belongs to another customer or plan; give it a new number"
                    )
                    raise row_error(source, row.line, message)
                if _apply(subscription, row.subscription):
                    session.add(subscription)
                    subscriptions_updated += 1
            if progress is not None:
                progress(1)
        session.commit()
    except Exception:
        session.rollback()
        raise

    report = CustomerImportReport(
        rows=len(rows),
        customers_added=customers_added,
        customers_updated=customers_updated,
        subscriptions_added=subscriptions_added,
        subscriptions_updated=subscriptions_updated,
        subscriptions_unchanged=len(rows) - subscriptions_added - subscriptions_updated,
    )
    logger.info("Imported customers from %s: %s", source, report)
    return report
