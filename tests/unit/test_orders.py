import datetime

import pytest
from sqlmodel import Session, func, select

from nomos_portal.models import MeterOrder, Plan, ProductOrder, Subscription
from nomos_portal.services import orders
from nomos_portal.services.seed import seed_demo_orders

NOW = datetime.datetime(2026, 3, 28, 13, 5, tzinfo=datetime.UTC)


def contract(session: Session, number: str) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == number)).one()


def meter_orders(session: Session, subscription: Subscription) -> int:
    return session.exec(
        select(func.count()).select_from(MeterOrder).where(MeterOrder.subscription_id == subscription.id)
    ).one()


def add_module(session, plan, subscription, code, status="intended"):
    return orders.add_product(session, plan=plan, subscription=subscription, product_code=code, status=status)


def test_seeded_order_is_scheduled(session: Session):
    flat = contract(session, "ACME-100002")
    order = orders.latest_meter_order(session, subscription_id=flat.id)
    assert order.status == "scheduled"
    assert order.provider == "E.DIS Netz GmbH"
    assert order.appointment_at == datetime.datetime(2026, 4, 14, 6, 0, tzinfo=datetime.UTC)
    # Ordered on 16 February 2026 (Berlin), target eight weeks later.
    assert order.target_date == datetime.date(2026, 4, 13)


def test_order_stored_as_created(session: Session, lumio: Plan):
    analog = contract(session, "LUM-2026-0107")
    assert orders.can_order_smart_meter(session, plan=lumio, subscription=analog)
    order = orders.order_smart_meter(session, plan=lumio, subscription=analog, now=NOW)
    assert order.status == "created"
    assert order.provider == "Hamburger Energienetze GmbH"
    assert order.blocked_reason is None
    assert orders.latest_meter_order(session, subscription_id=analog.id).created_at == NOW
    assert not orders.can_order_smart_meter(session, plan=lumio, subscription=analog)


def test_second_order_rejected_as_duplicate(session: Session, lumio: Plan):
    analog = contract(session, "LUM-2026-0107")
    orders.order_smart_meter(session, plan=lumio, subscription=analog, now=NOW)
    with pytest.raises(orders.OrderError) as caught:
        orders.order_smart_meter(session, plan=lumio, subscription=analog, now=NOW)
    assert caught.value.code == "duplicate_order"
    assert meter_orders(session, analog) == 1


def test_seeded_order_blocks_another(session: Session, acme: Plan):
    flat = contract(session, "ACME-100002")
    with pytest.raises(orders.OrderError) as caught:
        orders.order_smart_meter(session, plan=acme, subscription=flat, now=NOW)
    assert caught.value.code == "duplicate_order"


def test_order_again_after_cancellation(session: Session, acme: Plan):
    flat = contract(session, "ACME-100002")
    row = session.exec(select(MeterOrder).where(MeterOrder.subscription_id == flat.id)).one()
    row.status = "cancelled"
    row.cancelled_reason = "Zählerschrank muss erneuert werden"
    session.add(row)
    session.commit()
    assert orders.latest_meter_order(session, subscription_id=flat.id).status == "cancelled"

    orders.order_smart_meter(session, plan=acme, subscription=flat, now=NOW)
    assert orders.latest_meter_order(session, subscription_id=flat.id).status == "created"
    assert meter_orders(session, flat) == 2


def test_smart_meter_cannot_be_ordered_twice(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    with pytest.raises(orders.OrderError) as caught:
        orders.order_smart_meter(session, plan=acme, subscription=smart, now=NOW)
    assert caught.value.code == "already_smart"
    assert meter_orders(session, smart) == 0


def test_ended_contract_cannot_order(session: Session, lumio: Plan):
    analog = contract(session, "LUM-2026-0107")
    analog.status = "ended"
    session.add(analog)
    session.commit()
    with pytest.raises(orders.OrderError) as caught:
        orders.order_smart_meter(session, plan=lumio, subscription=analog, now=NOW)
    assert caught.value.code == "subscription_ended"


def test_feed_in_plan_gets_no_order_or_module(session: Session, lumio: Plan):
    lumio.type = "feed_in"
    session.add(lumio)
    session.commit()
    analog = contract(session, "LUM-2026-0107")
    smart = contract(session, "LUM-2025-0042")
    with pytest.raises(orders.OrderError) as caught:
        orders.order_smart_meter(session, plan=lumio, subscription=analog, now=NOW)
    assert caught.value.code == "feed_in_plan"
    for code in orders.ENWG_14A_MODULES:
        with pytest.raises(orders.OrderError) as caught:
            add_module(session, lumio, smart, code)
        assert caught.value.code == "feed_in_plan"
    assert orders.list_products(session, subscription_id=smart.id) == []


@pytest.mark.parametrize("other", [orders.MODULE_1, orders.MODULE_3])
def test_module_2_not_after_module_1_or_3(session: Session, acme: Plan, other: str):
    smart = contract(session, "ACME-100001")
    if other == orders.MODULE_3:
        add_module(session, acme, smart, orders.MODULE_1, status="ended")
        add_module(session, acme, smart, orders.MODULE_1)
    add_module(session, acme, smart, other)
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, smart, orders.MODULE_2)
    assert caught.value.code == "module_2_exclusive"


@pytest.mark.parametrize("other", [orders.MODULE_1, orders.MODULE_3])
def test_module_1_or_3_not_after_module_2(session: Session, acme: Plan, other: str):
    smart = contract(session, "ACME-100001")
    add_module(session, acme, smart, orders.MODULE_2, status="activated")
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, smart, other)
    assert caught.value.code == "module_2_exclusive"


def test_module_3_needs_smart_meter(session: Session, acme: Plan):
    analog = contract(session, "ACME-100002")
    add_module(session, acme, analog, orders.MODULE_1)
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, analog, orders.MODULE_3)
    assert caught.value.code == "module_3_needs_smart_meter"


def test_module_3_needs_module_1(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, smart, orders.MODULE_3)
    assert caught.value.code == "module_3_needs_module_1"
    add_module(session, acme, smart, orders.MODULE_1, status="activated")
    add_module(session, acme, smart, orders.MODULE_3)
    codes = [product.product_code for product in orders.list_products(session, subscription_id=smart.id)]
    assert sorted(codes) == [orders.MODULE_1, orders.MODULE_3]


def test_ended_or_rejected_module_frees_combination(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    add_module(session, acme, smart, orders.MODULE_1, status="ended")
    add_module(session, acme, smart, orders.MODULE_3, status="rejected")
    add_module(session, acme, smart, orders.MODULE_2)


def test_same_module_twice_rejected(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    add_module(session, acme, smart, orders.MODULE_1)
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, smart, orders.MODULE_1, status="ordered")
    assert caught.value.code == "duplicate_product"


def test_other_products_skip_module_rules(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    add_module(session, acme, smart, orders.MODULE_2)
    product = orders.add_product(
        session, plan=acme, subscription=smart, product_code="wallbox-rental", name="Wallbox zur Miete"
    )
    assert product.status == "intended"


def test_invalid_status_and_validity_rejected(session: Session, acme: Plan):
    smart = contract(session, "ACME-100001")
    with pytest.raises(orders.OrderError) as caught:
        add_module(session, acme, smart, orders.MODULE_1, status="paused")
    assert caught.value.code == "invalid_status"
    with pytest.raises(orders.OrderError) as caught:
        orders.add_product(
            session,
            plan=acme,
            subscription=smart,
            product_code=orders.MODULE_1,
            valid_from=datetime.date(2026, 5, 1),
            valid_until=datetime.date(2026, 4, 30),
        )
    assert caught.value.code == "invalid_validity"
    assert (
        session.exec(
            select(func.count()).select_from(ProductOrder).where(ProductOrder.subscription_id == smart.id)
        ).one()
        == 0
    )


def test_timeline_marks_steps():
    states = [step.state for step in orders.timeline("check_submitted")]
    assert states == ["done", "done", "current", "upcoming", "upcoming", "upcoming", "upcoming"]
    assert [step.status for step in orders.timeline("created")] == list(orders.METER_ORDER_STEPS)


def test_timeline_activated_all_done():
    assert {step.state for step in orders.timeline("activated")} == {"done"}


def test_timeline_cancelled_has_no_current_step():
    assert {step.state for step in orders.timeline("cancelled")} == {"upcoming"}


def test_seeded_modules_follow_rules(session: Session):
    smart = contract(session, "ACME-100003")
    products = {product.product_code: product for product in orders.list_products(session, subscription_id=smart.id)}
    assert products[orders.MODULE_1].status == "activated"
    assert products[orders.MODULE_1].valid_from == datetime.date(2025, 1, 1)
    assert products[orders.MODULE_3].status == "intended"
    assert smart.meter_type == "smart"


def test_demo_analog_meter_left_to_order(session: Session, lumio: Plan):
    analog = contract(session, "LUM-2026-0107")
    assert orders.latest_meter_order(session, subscription_id=analog.id) is None
    assert orders.list_products(session, subscription_id=analog.id) == []


def test_seed_orders_twice_adds_nothing(session: Session):
    assert seed_demo_orders(session) == 0
