"""Contract terms, cancellation and meter swaps, with the Nomos API's reasons and error codes."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from decimal import Decimal

from sqlmodel import Session, col, select

from nomos_portal.models import MeterReading, MeterSwap, Plan, Subscription, Termination
from nomos_portal.services.spot_prices import BERLIN, berlin_date
from nomos_portal.services.text_input import has_forbidden_characters

logger = logging.getLogger(__name__)

REASONS = ("ORDINARY", "MOVE_OUT", "WITHDRAWAL")
WITHDRAWAL_DAYS = 14
STREET = re.compile(r"^(?=.*[^\W\d_]).{2,100}$")
HOUSE_NUMBER = re.compile(r"^[0-9A-Za-z/\- ]{1,10}$")
ZIP = re.compile(r"^\d{5}$")
CITY = re.compile(r"^[^\d]{2,100}$")


class ContractError(ValueError):
    """A rejected request; `code` names the case (as the Nomos API does where it has one)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclasses.dataclass(frozen=True)
class Terms:
    """The terms that decide when a contract can end."""

    start: datetime.date
    minimum_term_months: int
    notice_period: int
    notice_period_unit: str
    to_month_end: bool
    confirmed_on: datetime.date | None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Add calendar months, clamping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def first_of_next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after a day, or the day itself if it is already a first."""
    if day.day == 1:
        return day
    return add_months(day.replace(day=1), 1)


def terms_for(plan: Plan, subscription: Subscription) -> Terms:
    """The contract terms: the subscription's own where set, else the plan's."""
    assert subscription.start_at is not None
    return Terms(
        start=berlin_date(subscription.start_at),
        minimum_term_months=(
            subscription.minimum_term_months
            if subscription.minimum_term_months is not None
            else plan.minimum_term_months
        ),
        notice_period=subscription.notice_period if subscription.notice_period is not None else plan.notice_period,
        notice_period_unit=subscription.notice_period_unit or plan.notice_period_unit,
        to_month_end=plan.notice_to_month_end,
        confirmed_on=berlin_date(subscription.confirmed_at) if subscription.confirmed_at else None,
    )


def minimum_term_end(terms: Terms) -> datetime.date:
    """Exclusive end of the minimum term: the first day after it."""
    return add_months(terms.start, terms.minimum_term_months)


def notice_end(terms: Terms, *, today: datetime.date) -> datetime.date:
    """The first day a contract cancelled today may be without supply, by the notice period alone."""
    if terms.notice_period_unit == "weeks":
        return today + datetime.timedelta(weeks=terms.notice_period)
    return add_months(today, terms.notice_period)


def earliest_end(terms: Terms, *, today: datetime.date) -> datetime.date:
    """Compute the earliest exclusive end date of an ordinary cancellation made today.

    The contract runs at least to the end of its minimum term and for the
    notice period after today. With the month-end rule it then ends at the
    end of that calendar month.
    """
    end = max(minimum_term_end(terms), notice_end(terms, today=today), today + datetime.timedelta(days=1))
    return first_of_next_month(end) if terms.to_month_end else end


def withdrawal_deadline(terms: Terms) -> datetime.date | None:
    """The last day a withdrawal (Widerruf) is allowed: 14 days after confirmation."""
    if terms.confirmed_on is None:
        return None
    return terms.confirmed_on + datetime.timedelta(days=WITHDRAWAL_DAYS)


def midnight(day: datetime.date) -> datetime.datetime:
    """00:00 Europe/Berlin of a day, in UTC."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=BERLIN).astimezone(datetime.UTC)


@dataclasses.dataclass(frozen=True)
class NewAddress:
    """Address for the final bill after a move."""

    street: str
    house_number: str
    zip: str
    city: str


def validate_address(address: NewAddress) -> NewAddress:
    """Check an address with the Nomos API's rules.

    Raises:
        ContractError: "address_control_characters" for control or format characters in any
            field, else "invalid_<field>" naming the first field that breaks its pattern.
    """
    cleaned = NewAddress(*(value.strip() for value in dataclasses.astuple(address)))
    checks = (
        ("street", STREET, cleaned.street),
        ("house_number", HOUSE_NUMBER, cleaned.house_number),
        ("zip", ZIP, cleaned.zip),
        ("city", CITY, cleaned.city),
    )
    if any(has_forbidden_characters(value) for value in dataclasses.astuple(address)):
        raise ContractError("address_control_characters")
    for field, pattern, value in checks:
        if not pattern.match(value):
            raise ContractError(f"invalid_{field}")
    return cleaned


def resolve_end(
    terms: Terms,
    *,
    reason: str,
    today: datetime.date,
    requested: datetime.date | None,
) -> datetime.date:
    """The exclusive end date a cancellation would have.

    Args:
        terms: The contract's terms.
        reason: "ORDINARY", "MOVE_OUT" or "WITHDRAWAL".
        today: The Berlin day of the request.
        requested: ORDINARY: an optional later end (exclusive); MOVE_OUT: the move-out day (required).

    Raises:
        ContractError: `invalid_termination_date`, `withdrawal_not_allowed` or `invalid_reason`.
    """
    if reason == "ORDINARY":
        earliest = earliest_end(terms, today=today)
        if requested is None:
            return earliest
        if requested < earliest or (terms.to_month_end and requested.day != 1):
            raise ContractError("invalid_termination_date", earliest=earliest)
        return requested
    if reason == "MOVE_OUT":
        if requested is None or requested < today:
            raise ContractError("invalid_termination_date", earliest=today)
        # Supply ends with the move-out day.
        return max(requested + datetime.timedelta(days=1), terms.start)
    if reason == "WITHDRAWAL":
        deadline = withdrawal_deadline(terms)
        if deadline is None or today > deadline:
            raise ContractError("withdrawal_not_allowed", deadline=deadline)
        # A withdrawal ends the contract at once; before the start, supply never begins.
        return max(today + datetime.timedelta(days=1), terms.start)
    raise ContractError("invalid_reason")


def pending_termination(session: Session, *, subscription_id: int) -> Termination | None:
    """The subscription's cancellation request that is not withdrawn, if any."""
    return session.exec(
        select(Termination)
        .where(Termination.subscription_id == subscription_id)
        .where(Termination.status != "withdrawn")
        .order_by(col(Termination.created_at).desc())
    ).first()


def request_termination(
    session: Session,
    *,
    plan: Plan,
    subscription: Subscription,
    reason: str,
    requested: datetime.date | None,
    new_address: NewAddress | None,
    now: datetime.datetime,
) -> Termination:
    """Store a cancellation request and mark the contract as cancelled to its end date.

    Raises:
        ContractError: `already_terminated`, `ended_subscription`, an address error,
            `invalid_termination_date` or `withdrawal_not_allowed`.
    """
    assert subscription.id is not None
    if pending_termination(session, subscription_id=subscription.id) is not None:
        raise ContractError("already_terminated")
    if subscription.status == "ended":
        raise ContractError("ended_subscription")
    address = None
    if reason == "MOVE_OUT":
        address = validate_address(new_address or NewAddress("", "", "", ""))
    end = resolve_end(terms_for(plan, subscription), reason=reason, today=berlin_date(now), requested=requested)
    termination = Termination(
        subscription_id=subscription.id,
        reason=reason,
        intended_end_at=midnight(end),
        new_address_street=address.street if address else "",
        new_address_house_number=address.house_number if address else "",
        new_address_zip=address.zip if address else "",
        new_address_city=address.city if address else "",
        created_at=now,
    )
    subscription.terminated_at = now
    subscription.end_at = termination.intended_end_at
    session.add(termination)
    session.add(subscription)
    session.commit()
    logger.info("Subscription %s cancelled (%s) to %s", subscription.id, reason, end)
    return termination


def withdraw_termination(session: Session, *, subscription: Subscription, now: datetime.datetime) -> Termination:
    """Take back a pending cancellation request; the contract runs on.

    Raises:
        ContractError: `no_pending_termination` when nothing can be withdrawn.
    """
    assert subscription.id is not None
    termination = pending_termination(session, subscription_id=subscription.id)
    if termination is None or termination.status != "pending":
        raise ContractError("no_pending_termination")
    termination.status = "withdrawn"
    termination.withdrawn_at = now
    subscription.terminated_at = None
    subscription.end_at = None
    session.add(termination)
    session.add(subscription)
    session.commit()
    logger.info("Cancellation of subscription %s withdrawn", subscription.id)
    return termination


def report_meter_swap(
    session: Session,
    *,
    subscription: Subscription,
    swapped_on: datetime.date,
    old_final_reading_kwh: Decimal,
    new_meter_number: str,
    new_start_reading_kwh: Decimal,
    now: datetime.datetime,
) -> MeterSwap:
    """Record a meter swap; readings after it belong to the new meter.

    Raises:
        ContractError: `swap_date_in_future`, `swap_before_start`, `lower_final_reading`,
            `invalid_meter_number` or `same_meter_number`.
    """
    assert subscription.id is not None
    number = new_meter_number.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{5,40}", number):
        raise ContractError("invalid_meter_number")
    if number == subscription.meter_number:
        raise ContractError("same_meter_number")
    if swapped_on > berlin_date(now):
        raise ContractError("swap_date_in_future")
    if subscription.start_at is not None and swapped_on < berlin_date(subscription.start_at):
        raise ContractError("swap_before_start")
    moment = midnight(swapped_on)
    previous = session.exec(
        select(MeterReading)
        .where(MeterReading.subscription_id == subscription.id)
        .where(MeterReading.meter_number == subscription.meter_number)
        .where(col(MeterReading.read_at) <= moment)
        .order_by(col(MeterReading.read_at).desc())
    ).first()
    if previous is not None and old_final_reading_kwh < previous.value_kwh:
        raise ContractError("lower_final_reading", previous=previous.value_kwh)

    swap = MeterSwap(
        subscription_id=subscription.id,
        swapped_at=moment,
        old_meter_number=subscription.meter_number,
        old_final_reading_kwh=old_final_reading_kwh,
        new_meter_number=number,
        new_start_reading_kwh=new_start_reading_kwh,
        created_at=now,
    )
    # The old meter's final reading first, then the new meter's start, both on the swap day.
    session.add(
        MeterReading(
            subscription_id=subscription.id,
            meter_number=subscription.meter_number,
            read_at=moment,
            value_kwh=old_final_reading_kwh,
            source="customer_report",
            note="",
        )
    )
    session.flush()
    session.add(
        MeterReading(
            subscription_id=subscription.id,
            meter_number=number,
            read_at=moment,
            value_kwh=new_start_reading_kwh,
            source="customer_report",
            note="",
        )
    )
    subscription.meter_number = number
    session.add(swap)
    session.add(subscription)
    session.commit()
    logger.info("Meter swap on subscription %s recorded", subscription.id)
    return swap
