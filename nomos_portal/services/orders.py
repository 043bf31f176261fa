"""Smart-meter orders and add-on products of a subscription, with the rules for ordering them.

The § 14a EnWG modules are the grid-fee reductions for controllable devices
such as heat pumps and wallboxes, as the Bundesnetzagentur defined them from
2024. Module 1 is a flat reduction per year, and module 2 a reduced grid fee
per kWh for a separately metered device. Module 3 adds time-variable grid
fees to module 1 and needs a smart meter.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from decimal import Decimal

from sqlmodel import Session, col, select

from nomos_portal.models import GridArea, MeterOrder, Plan, ProductOrder, Subscription
from nomos_portal.services.spot_prices import berlin_date

logger = logging.getLogger(__name__)

# The rollout lifecycle in the Nomos API, in order; "cancelled" may end it at any step.
METER_ORDER_STEPS = (
    "created",
    "placed",
    "check_submitted",
    "check_reviewed",
    "scheduled",
    "installed",
    "activated",
)
BLOCKED_REASONS = ("check_missing", "grid_operator_registration")
# Target time from order to installed meter that the portal promises customers; an estimate,
# as the metering point operator sets the actual appointment.
TARGET_LEAD_TIME = datetime.timedelta(weeks=8)

PRODUCT_STATUSES = ("intended", "ordered", "rejected", "activated", "ended")
# Statuses of a product that is booked or about to be: these count for the module rules.
LIVE_PRODUCT_STATUSES = ("intended", "ordered", "activated")
MODULE_1 = "enwg-14a-module-1"
MODULE_2 = "enwg-14a-module-2"
MODULE_3 = "enwg-14a-module-3"
ENWG_14A_MODULES = (MODULE_1, MODULE_2, MODULE_3)


class OrderError(ValueError):
    """A rejected order; `code` keys the translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclasses.dataclass(frozen=True)
class MeterOrderView:
    """A smart-meter order as the orders page shows it."""

    status: str
    provider: str
    appointment_at: datetime.datetime | None
    blocked_reason: str | None
    cancelled_reason: str
    created_at: datetime.datetime
    target_date: datetime.date


@dataclasses.dataclass(frozen=True)
class TimelineStep:
    """One step of the rollout: "done", "current" or "upcoming"."""

    status: str
    state: str


@dataclasses.dataclass(frozen=True)
class ProductView:
    """An add-on product as the orders page shows it."""

    product_code: str
    name: str
    status: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    saving_eur_per_year: Decimal | None


def _view(order: MeterOrder) -> MeterOrderView:
    return MeterOrderView(
        status=order.status,
        provider=order.provider,
        appointment_at=order.appointment_at,
        blocked_reason=order.blocked_reason,
        cancelled_reason=order.cancelled_reason,
        created_at=order.created_at,
        target_date=berlin_date(order.created_at + TARGET_LEAD_TIME),
    )


def _open_meter_order(session: Session, *, subscription_id: int) -> MeterOrder | None:
    return session.exec(
        select(MeterOrder)
        .where(MeterOrder.subscription_id == subscription_id)
        .where(MeterOrder.status != "cancelled")
        .order_by(col(MeterOrder.created_at).desc(), col(MeterOrder.id).desc())
    ).first()


def latest_meter_order(session: Session, *, subscription_id: int) -> MeterOrderView | None:
    """Return the subscription's open smart-meter order, else its newest cancelled one, else None."""
    order = (
        _open_meter_order(session, subscription_id=subscription_id)
        or session.exec(
            select(MeterOrder)
            .where(MeterOrder.subscription_id == subscription_id)
            .order_by(col(MeterOrder.created_at).desc(), col(MeterOrder.id).desc())
        ).first()
    )
    return _view(order) if order is not None else None


def timeline(status: str) -> list[TimelineStep]:
    """Mark each rollout step as done, current or upcoming for an order in `status`.

    A cancelled order has no current step: every step shows as upcoming.
    """
    if status not in METER_ORDER_STEPS:
        return [TimelineStep(status=step, state="upcoming") for step in METER_ORDER_STEPS]
    reached = METER_ORDER_STEPS.index(status)
    steps = []
    for index, step in enumerate(METER_ORDER_STEPS):
        # The last step is done, not running, once the meter is activated.
        if index < reached or (index == reached and status == "activated"):
            state = "done"
        elif index == reached:
            state = "current"
        else:
            state = "upcoming"
        steps.append(TimelineStep(status=step, state=state))
    return steps


def can_order_smart_meter(session: Session, *, plan: Plan, subscription: Subscription) -> bool:
    """Return whether a smart meter can be ordered: an analog meter on a running consumption contract, no open order."""
    try:
        _check_smart_meter_order(session, plan=plan, subscription=subscription)
    except OrderError:
        return False
    return True


def _check_smart_meter_order(session: Session, *, plan: Plan, subscription: Subscription) -> None:
    assert subscription.id is not None
    if plan.type != "consumption":
        raise OrderError("feed_in_plan")
    if subscription.meter_type == "smart":
        raise OrderError("already_smart")
    if subscription.status == "ended":
        raise OrderError("subscription_ended")
    if _open_meter_order(session, subscription_id=subscription.id) is not None:
        raise OrderError("duplicate_order")


def default_provider(session: Session, *, subscription: Subscription) -> str:
    """Return the basic metering point operator of a supply point: its grid operator, or "" if unknown."""
    if subscription.grid_area_id is None:
        return ""
    area = session.get(GridArea, subscription.grid_area_id)
    return area.operator if area is not None else ""


def order_smart_meter(
    session: Session, *, plan: Plan, subscription: Subscription, now: datetime.datetime
) -> MeterOrderView:
    """Store a smart-meter order in status "created" for the subscription's supply point.

    Raises:
        OrderError: `feed_in_plan`, `already_smart`, `subscription_ended`, or
            `duplicate_order` when an order that is not cancelled exists.
    """
    _check_smart_meter_order(session, plan=plan, subscription=subscription)
    assert subscription.id is not None
    order = MeterOrder(
        subscription_id=subscription.id,
        status="created",
        provider=default_provider(session, subscription=subscription),
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.commit()
    logger.info("Smart meter ordered for subscription %s on plan %s", subscription.id, plan.slug)
    return _view(order)


def list_products(session: Session, *, subscription_id: int) -> list[ProductView]:
    """Return the subscription's add-on products, newest first."""
    rows = session.exec(
        select(ProductOrder)
        .where(ProductOrder.subscription_id == subscription_id)
        .order_by(col(ProductOrder.created_at).desc(), col(ProductOrder.id).desc())
    ).all()
    return [
        ProductView(
            product_code=row.product_code,
            name=row.name,
            status=row.status,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            saving_eur_per_year=row.saving_eur_per_year,
        )
        for row in rows
    ]


def check_module(session: Session, *, plan: Plan, subscription: Subscription, product_code: str) -> None:
    """Check the § 14a EnWG rules for booking a module on a subscription.

    Raises:
        OrderError: `feed_in_plan` (no module on feed-in plans), `duplicate_product`,
            `module_2_exclusive` (module 2 together with module 1 or 3),
            `module_3_needs_smart_meter` or `module_3_needs_module_1`.
    """
    assert subscription.id is not None
    if product_code not in ENWG_14A_MODULES:
        return
    if plan.type == "feed_in":
        raise OrderError("feed_in_plan")
    booked = {
        row.product_code
        for row in session.exec(
            select(ProductOrder)
            .where(ProductOrder.subscription_id == subscription.id)
            .where(col(ProductOrder.status).in_(LIVE_PRODUCT_STATUSES))
        ).all()
    }
    if product_code in booked:
        raise OrderError("duplicate_product")
    if product_code == MODULE_2 and booked & {MODULE_1, MODULE_3}:
        raise OrderError("module_2_exclusive")
    if product_code in (MODULE_1, MODULE_3) and MODULE_2 in booked:
        raise OrderError("module_2_exclusive")
    if product_code == MODULE_3:
        if subscription.meter_type != "smart":
            raise OrderError("module_3_needs_smart_meter")
        if MODULE_1 not in booked:
            raise OrderError("module_3_needs_module_1")


def add_product(
    session: Session,
    *,
    plan: Plan,
    subscription: Subscription,
    product_code: str,
    status: str = "intended",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    name: str = "",
    saving_eur_per_year: Decimal | None = None,
) -> ProductOrder:
    """Book an add-on product for a subscription, checking the § 14a EnWG module rules.

    Raises:
        OrderError: `invalid_status`, `invalid_validity` (ends before it starts),
            or one of the codes of `check_module`.
    """
    if status not in PRODUCT_STATUSES:
        raise OrderError("invalid_status")
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise OrderError("invalid_validity")
    if status in LIVE_PRODUCT_STATUSES:
        check_module(session, plan=plan, subscription=subscription, product_code=product_code)
    assert subscription.id is not None
    row = ProductOrder(
        subscription_id=subscription.id,
        product_code=product_code,
        name=name,
        status=status,
        valid_from=valid_from,
        valid_until=valid_until,
        saving_eur_per_year=saving_eur_per_year,
    )
    session.add(row)
    session.commit()
    logger.info("Product %s booked for subscription %s", product_code, subscription.id)
    return row
