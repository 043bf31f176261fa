"""`/tariff`: prices with their components, contract terms, cancellation and meter swap."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import LABEL_WIDTH, section_card
from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.tariff import TariffState


def three_column_table(rows, header: list[str] | None = None, table_id: str | None = None) -> rx.Component:
    head = rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(key)) for key in header])) if header else None
    body = rx.table.body(
        rx.foreach(
            rows,
            lambda row: rx.table.row(
                rx.table.row_header_cell(row[0]),
                rx.table.cell(row[1], text_align="right"),
                rx.table.cell(row[2], text_align="right"),
            ),
        )
    )
    parts = [head, body] if head is not None else [body]
    return rx.table.root(*parts, size="1", width="100%", id=table_id)


def prices_card() -> rx.Component:
    return section_card(
        "tariff.prices",
        rx.text(tr("tariff.working_price"), weight="bold"),
        rx.cond(TariffState.no_spot_today, rx.text(tr("tariff.no_spot_today"), size="2", color_scheme="gray")),
        three_column_table(TariffState.price_rows, ["tariff.component", "tariff.net", "tariff.gross"], "price-table"),
        rx.text(tr("tariff.basic_prices"), weight="bold"),
        three_column_table(TariffState.basic_rows, table_id="basic-table"),
        spacing="3",
    )


def contract_card() -> rx.Component:
    return section_card(
        "tariff.contract",
        rx.cond(
            TariffState.termination_text != "",
            rx.callout(TariffState.termination_text, icon="calendar_x", color_scheme="amber", id="termination-status"),
        ),
        rx.data_list.root(
            rx.foreach(
                TariffState.contract_rows,
                lambda row: rx.data_list.item(
                    rx.data_list.label(row[0], min_width=LABEL_WIDTH), rx.data_list.value(row[1])
                ),
            ),
            id="contract-facts",
        ),
        spacing="3",
    )


def labelled_input(label_key: str, name: str, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(tr(label_key), html_for=name),
        rx.input(id=name, name=name, **props),
        spacing="1",
        width="100%",
    )


def cancellation_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("tariff.reason"), weight="bold"),
            rx.radio_group.root(
                rx.vstack(
                    *[
                        rx.radio_group.item(tr(f"tariff.reason.{reason}"), value=reason, id=f"reason-{reason}")
                        for reason in ("ORDINARY", "MOVE_OUT", "WITHDRAWAL")
                    ]
                ),
                name="reason",
                default_value="ORDINARY",
            ),
            labelled_input("tariff.move_out_date", "move_out_date", type="date"),
            labelled_input("tariff.street", "street", max_length=100),
            rx.hstack(
                labelled_input("tariff.house_number", "house_number", max_length=10),
                labelled_input("tariff.zip", "zip", max_length=5, input_mode="numeric"),
                width="100%",
            ),
            labelled_input("tariff.city", "city", max_length=100),
            rx.el.label(TariffState.end_date_label, html_for="end_date"),
            rx.input(id="end_date", name="end_date", type="date"),
            rx.button(tr("tariff.check"), type="submit", id="check-cancellation"),
            spacing="2",
            width="100%",
            max_width="32rem",
        ),
        on_submit=TariffState.check_cancellation,
        reset_on_submit=False,
        no_validate=True,
    )


def confirmation_step() -> rx.Component:
    return rx.vstack(
        rx.callout(TariffState.cancel_question, icon="circle_alert", color_scheme="amber", id="cancel-question"),
        rx.hstack(
            rx.button(
                tr("tariff.confirm"),
                color_scheme="red",
                on_click=TariffState.confirm_cancellation,
                id="confirm-cancellation",
            ),
            rx.button(tr("tariff.back"), variant="soft", on_click=TariffState.back_to_form),
        ),
        spacing="3",
    )


def cancellation_card() -> rx.Component:
    return section_card(
        "tariff.cancel",
        rx.cond(
            TariffState.message != "",
            rx.callout(
                TariffState.message,
                color_scheme=rx.cond(TariffState.message_is_error, "red", "green"),
                role="alert",
                id="cancel-message",
            ),
        ),
        rx.cond(
            TariffState.has_pending_termination,
            rx.button(
                tr("tariff.withdraw"),
                variant="outline",
                on_click=TariffState.withdraw_cancellation,
                id="withdraw-cancellation",
            ),
            rx.cond(TariffState.cancel_step == "confirm", confirmation_step(), cancellation_form()),
        ),
        spacing="3",
    )


def meter_swap_card() -> rx.Component:
    return section_card(
        "tariff.meter_swap",
        rx.form(
            rx.vstack(
                labelled_input("tariff.swap_date", "swap_date", type="date"),
                labelled_input("tariff.old_final_reading", "old_final_reading", input_mode="decimal", max_length=20),
                labelled_input("tariff.new_meter_number", "new_meter_number", max_length=40),
                labelled_input("tariff.new_start_reading", "new_start_reading", input_mode="decimal", max_length=20),
                rx.cond(
                    TariffState.swap_message != "",
                    rx.callout(
                        TariffState.swap_message,
                        color_scheme=rx.cond(TariffState.swap_message_is_error, "red", "green"),
                        role="alert",
                        id="swap-message",
                    ),
                ),
                rx.button(tr("tariff.swap_submit"), type="submit", id="report-swap"),
                spacing="2",
                width="100%",
                max_width="32rem",
            ),
            on_submit=TariffState.report_swap,
            reset_on_submit=False,
            no_validate=True,
        ),
    )


def tariff_page() -> rx.Component:
    """Prices, contract and the two forms."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("tariff.heading"), size="7", as_="h1"),
                rx.grid(
                    prices_card(),
                    contract_card(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.grid(
                    cancellation_card(),
                    meter_swap_card(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                spacing="5",
            )
        )
    )
