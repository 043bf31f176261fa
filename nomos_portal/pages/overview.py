"""`/overview`: the customer, the plan and the chosen subscription."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import LABEL_WIDTH, section_card
from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.price_chart import prices_section
from nomos_portal.components.text import tr
from nomos_portal.states.overview import OverviewState


def definition_rows(rows) -> rx.Component:
    return rx.data_list.root(
        rx.foreach(
            rows,
            lambda row: rx.data_list.item(
                rx.data_list.label(row[0], min_width=LABEL_WIDTH),
                rx.data_list.value(row[1]),
            ),
        ),
        size="2",
    )


def status_badge() -> rx.Component:
    return rx.badge(
        OverviewState.status_label,
        color_scheme=rx.match(OverviewState.status, ("active", "green"), ("pending", "amber"), "gray"),
        size="2",
        id="subscription-status",
    )


def contract_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(tr("overview.subscription"), size="4", as_="h2"),
                status_badge(),
                align="center",
                spacing="3",
            ),
            rx.cond(
                OverviewState.contract_end_text != "",
                rx.text(OverviewState.contract_end_text, weight="bold", id="contract-end"),
            ),
            definition_rows(OverviewState.contract_rows),
            spacing="3",
        ),
        size="3",
    )


def address_card() -> rx.Component:
    return section_card(
        "overview.delivery_address",
        rx.el.address(
            rx.foreach(OverviewState.address_lines, lambda line: rx.text(line)),
            font_style="normal",
            id="delivery-address",
        ),
        spacing="3",
    )


def meter_card() -> rx.Component:
    return section_card("overview.meter", definition_rows(OverviewState.meter_rows), spacing="3")


def consumption_card() -> rx.Component:
    return section_card(
        "dashboard.consumption",
        rx.text(OverviewState.consumption_text, id="current-consumption"),
        rx.cond(
            ~OverviewState.is_smart_meter,
            rx.link(tr("dashboard.submit_reading"), href="/consumption", id="submit-reading-link"),
        ),
    )


def bill_card() -> rx.Component:
    return section_card(
        "dashboard.next_bill",
        rx.text(OverviewState.next_bill_text, weight="bold", id="next-bill"),
        rx.text(OverviewState.next_bill_basis, size="2", color_scheme="gray"),
    )


def overview_page() -> rx.Component:
    """Greeting and the chosen contract's facts, all from the database."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(OverviewState.greeting, size="7", as_="h1", id="greeting"),
                prices_section(),
                rx.grid(
                    consumption_card(),
                    bill_card(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.grid(
                    contract_card(),
                    rx.flex(address_card(), meter_card(), direction="column", gap="1rem"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                spacing="5",
            )
        )
    )
