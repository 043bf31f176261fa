"""`/orders`: the smart-meter order as a timeline, ordering one, and add-on products."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.orders import OrdersState

STEP_ICONS = {"done": "circle_check", "current": "circle_dot", "upcoming": "circle"}


def timeline_step(step: dict) -> rx.Component:
    state = step["state"]
    return rx.el.li(
        rx.hstack(
            rx.match(
                state,
                ("done", rx.icon(STEP_ICONS["done"], color="var(--green-9)")),
                ("current", rx.icon(STEP_ICONS["current"], color="var(--accent-9)")),
                rx.icon(STEP_ICONS["upcoming"], color="var(--gray-8)"),
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(step["label"], weight=rx.cond(state == "current", "bold", "medium")),
                    rx.cond(state == "current", rx.badge(tr("orders.current_step"), size="1")),
                    align="center",
                ),
                rx.text(step["text"], size="2", color=rx.cond(state == "upcoming", "var(--gray-11)", "inherit")),
                spacing="1",
            ),
            align="start",
            spacing="3",
        ),
        data_state=state,
        data_step=step["status"],
        aria_current=rx.cond(state == "current", "step", None),
        style={"listStyle": "none", "paddingBottom": "0.75rem"},
    )


def blocked_callout() -> rx.Component:
    return rx.cond(
        OrdersState.blocked_text != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(rx.text(tr("orders.blocked_title"), weight="bold"), rx.text(OrdersState.blocked_text)),
            rx.cond(
                OrdersState.blocked_needs_customer,
                rx.link(tr("orders.contact_link"), href="/help/contact?topic=smart_meter", id="blocked-contact"),
            ),
            color_scheme="amber",
            role="alert",
            id="order-blocked",
        ),
    )


def order_timeline() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(OrdersState.order_status_label, weight="bold", id="order-status"),
            align="center",
        ),
        blocked_callout(),
        rx.cond(
            OrdersState.cancelled_text != "",
            rx.callout(OrdersState.cancelled_text, color_scheme="gray", id="order-cancelled"),
        ),
        rx.el.ol(rx.foreach(OrdersState.timeline_rows, timeline_step), id="order-timeline", style={"padding": 0}),
        rx.foreach(OrdersState.order_facts, lambda line: rx.text(line, size="2", class_name="order-fact")),
        spacing="3",
        width="100%",
    )


def order_offer() -> rx.Component:
    """Why a smart meter pays off on a dynamic tariff, and the order with its confirmation."""
    return rx.vstack(
        rx.heading(tr("orders.why_title"), size="3", as_="h3"),
        rx.text(tr("orders.why_text"), id="smart-meter-why"),
        rx.cond(
            OrdersState.confirming,
            rx.callout.root(
                rx.callout.text(OrdersState.confirm_text),
                rx.hstack(
                    rx.button(tr("orders.confirm_button"), on_click=OrdersState.confirm_order, id="confirm-order"),
                    rx.button(tr("orders.cancel_button"), on_click=OrdersState.cancel_order, variant="soft"),
                    spacing="3",
                ),
                color_scheme="blue",
                id="order-confirmation",
            ),
            rx.button(tr("orders.order_button"), on_click=OrdersState.start_order, id="order-smart-meter"),
        ),
        spacing="3",
        width="100%",
    )


def smart_meter_card() -> rx.Component:
    return section_card(
        "orders.smart_meter",
        rx.cond(
            OrdersState.just_ordered,
            rx.callout(tr("orders.ordered"), color_scheme="green", id="order-placed"),
        ),
        rx.cond(
            OrdersState.order_error != "",
            rx.callout(OrdersState.order_error, color_scheme="red", role="alert", id="order-error"),
        ),
        rx.cond(
            OrdersState.has_order & (OrdersState.order_status != "cancelled"),
            order_timeline(),
            rx.fragment(
                rx.cond(OrdersState.has_order, order_timeline()),
                rx.cond(
                    OrdersState.can_order,
                    order_offer(),
                    rx.text(
                        rx.cond(
                            OrdersState.meter_type == "smart", tr("orders.has_smart_meter"), tr("orders.not_available")
                        ),
                        id="smart-meter-note",
                    ),
                ),
            ),
        ),
        spacing="3",
    )


def product_item(product: dict) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.text(product["name"], weight="bold"),
                rx.badge(
                    product["status_label"],
                    color_scheme=rx.match(
                        product["status"], ("activated", "green"), ("rejected", "red"), ("ended", "gray"), "amber"
                    ),
                ),
                align="center",
                wrap="wrap",
            ),
            rx.cond(product["validity"] != "", rx.text(product["validity"], size="2")),
            rx.cond(product["explanation"] != "", rx.text(product["explanation"], size="2", color_scheme="gray")),
            rx.cond(product["saving"] != "", rx.text(product["saving"], size="2", weight="medium")),
            spacing="1",
        ),
        style={"listStyle": "none", "paddingBottom": "0.75rem"},
    )


def products_card() -> rx.Component:
    return section_card(
        "orders.products",
        rx.cond(
            OrdersState.product_rows.length() > 0,
            rx.el.ul(rx.foreach(OrdersState.product_rows, product_item), id="product-list", style={"padding": 0}),
            rx.text(tr("orders.no_products"), id="no-products"),
        ),
    )


def orders_page() -> rx.Component:
    """Smart-meter card and add-on products card for the chosen contract."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("orders.heading"), size="7", as_="h1"),
                smart_meter_card(),
                products_card(),
                spacing="5",
                width="100%",
            )
        )
    )
