"""`/overview`: the customer, the plan and the chosen subscription."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import facts, section_card, stack
from nomos_portal.components.layout import branded, page_container, router_link
from nomos_portal.components.price_chart import prices_section
from nomos_portal.components.text import tr
from nomos_portal.states.overview import OverviewState


def status_badge() -> rx.Component:
    return rx.el.span(
        OverviewState.status_label,
        data_status=OverviewState.status,
        id="subscription-status",
        class_name="portal-badge",
    )


def contract_card() -> rx.Component:
    return rx.el.section(
        stack(
            rx.el.div(
                rx.el.h2(tr("overview.subscription"), class_name="portal-card-title"),
                status_badge(),
                class_name="portal-row",
            ),
            rx.cond(
                OverviewState.contract_end_text != "",
                rx.el.p(OverviewState.contract_end_text, id="contract-end", class_name="portal-text portal-bold"),
            ),
            facts(OverviewState.contract_rows),
            spacing="3",
        ),
        class_name="portal-card",
    )


def address_card() -> rx.Component:
    return section_card(
        "overview.delivery_address",
        rx.el.address(
            rx.foreach(OverviewState.address_lines, lambda line: rx.el.div(line)),
            id="delivery-address",
            class_name="portal-address",
        ),
        spacing="3",
    )


def meter_card() -> rx.Component:
    return section_card("overview.meter", facts(OverviewState.meter_rows), spacing="3")


def consumption_card() -> rx.Component:
    return section_card(
        "dashboard.consumption",
        rx.el.p(OverviewState.consumption_text, id="current-consumption", class_name="portal-text"),
        rx.cond(
            ~OverviewState.is_smart_meter,
            router_link(
                tr("dashboard.submit_reading"), href="/consumption", id="submit-reading-link", class_name="portal-link"
            ),
        ),
    )


def bill_card() -> rx.Component:
    return section_card(
        "dashboard.next_bill",
        rx.el.p(OverviewState.next_bill_text, id="next-bill", class_name="portal-text portal-bold"),
        rx.el.p(OverviewState.next_bill_basis, class_name="portal-small portal-muted"),
    )


def overview_page() -> rx.Component:
    """Greeting and the chosen contract's facts, all from the database.

    It uses plain elements styled by assets/portal.css, because this is the first
    page after sign-in and bench/page_load.py times it.
    """
    return branded(
        page_container(
            stack(
                rx.el.h1(OverviewState.greeting, id="greeting", class_name="portal-title"),
                prices_section(),
                rx.el.div(consumption_card(), bill_card(), class_name="portal-grid"),
                rx.el.div(
                    contract_card(),
                    stack(address_card(), meter_card(), spacing="4"),
                    class_name="portal-grid",
                ),
                spacing="5",
            )
        )
    )
