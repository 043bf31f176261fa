"""`/invoices` and `/invoices/[id]`: the invoice list with paging, and one invoice with its PDF download."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.invoices import InvoiceDetailState, InvoicesState


def invoice_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["number"], href=row["href"])),
        rx.table.cell(
            rx.hstack(
                rx.badge(tr(row["type_key"]), variant="outline"),
                rx.badge(tr(row["status_key"]), color_scheme=row["status_color"]),
                rx.cond(row["voids_href"] != "", rx.link(tr("invoices.voids_link"), href=row["voids_href"])),
                spacing="2",
                wrap="wrap",
            )
        ),
        rx.table.cell(row["period"]),
        rx.table.cell(row["issued"]),
        rx.table.cell(row["total"], text_align="right"),
    )


def invoice_table() -> rx.Component:
    headers = ["invoice.number", "invoices.col.type", "invoice.period", "invoice.issued_on", "invoice.total"]
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(key)) for key in headers])),
        rx.table.body(rx.foreach(InvoicesState.invoice_rows, invoice_row)),
        size="2",
        width="100%",
        id="invoice-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            tr("invoices.previous"),
            on_click=InvoicesState.go_to_page(InvoicesState.page_number - 1),
            disabled=InvoicesState.page_number <= 1,
            variant="soft",
            id="invoices-previous",
        ),
        rx.text(InvoicesState.page_number, " / ", InvoicesState.page_count, id="invoices-page"),
        rx.button(
            tr("invoices.next"),
            on_click=InvoicesState.go_to_page(InvoicesState.page_number + 1),
            disabled=InvoicesState.page_number >= InvoicesState.page_count,
            variant="soft",
            id="invoices-next",
        ),
        align="center",
        spacing="3",
    )


def invoices_page() -> rx.Component:
    """Render the chosen subscription's invoices, ten per page, newest first."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("invoices.heading"), size="7", as_="h1"),
                rx.cond(
                    InvoicesState.invoice_count == 0,
                    rx.callout(tr("invoices.empty"), icon="info", id="invoices-empty"),
                    rx.vstack(invoice_table(), pager(), spacing="3", width="100%"),
                ),
                spacing="5",
                width="100%",
            )
        )
    )


def two_column_list(rows, list_id: str) -> rx.Component:
    return rx.data_list.root(
        rx.foreach(
            rows,
            lambda row: rx.data_list.item(rx.data_list.label(row[0], min_width="12rem"), rx.data_list.value(row[1])),
        ),
        id=list_id,
    )


def plain_table(rows, headers: list[str], table_id: str) -> rx.Component:
    """Render a table whose first column is text and whose other columns are right-aligned amounts."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(tr(key), text_align="left" if index == 0 else "right")
                    for index, key in enumerate(headers)
                ]
            )
        ),
        rx.table.body(
            rx.foreach(
                rows,
                lambda row: rx.table.row(
                    rx.table.row_header_cell(row[0]),
                    *[rx.table.cell(row[index], text_align="right") for index in range(1, len(headers))],
                ),
            )
        ),
        size="1",
        width="100%",
        id=table_id,
    )


# The tooltip shows the texts the server formatted for the UI language.
_TOOLTIP_FORMATTER = rx.Var(_js_expr="((value, name, item) => [item.payload[item.dataKey + '_label'], name])")


def day_chart() -> rx.Component:
    """Bars of each day's kWh, with the day's cost as a line on the right axis."""
    return rx.box(
        rx.recharts.composed_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="label", font_size=12),
            rx.recharts.y_axis(y_axis_id="kwh", font_size=12, width=48),
            rx.recharts.y_axis(y_axis_id="cost", orientation="right", font_size=12, width=48),
            rx.recharts.graphing_tooltip(custom_attrs={"formatter": _TOOLTIP_FORMATTER}),
            rx.recharts.legend(),
            rx.recharts.bar(
                data_key="kwh",
                name=tr("invoice.consumption"),
                y_axis_id="kwh",
                fill="var(--accent-9)",
                is_animation_active=False,
            ),
            rx.recharts.line(
                data_key="cost",
                name=tr("invoices.col.cost"),
                y_axis_id="cost",
                stroke="var(--brand-accent)",
                dot=False,
                connect_nulls=False,
                is_animation_active=False,
            ),
            data=InvoiceDetailState.day_chart_rows,
            width="100%",
            height=260,
        ),
        width="100%",
        id="invoice-day-chart",
    )


def invoice_found() -> rx.Component:
    line_headers = [
        "invoice.col.description",
        "invoice.col.quantity",
        "invoice.col.net",
        "invoice.col.vat",
        "invoice.col.gross",
    ]
    return rx.vstack(
        rx.hstack(
            rx.heading(tr(InvoiceDetailState.type_key), " ", InvoiceDetailState.invoice_number, size="7", as_="h1"),
            rx.badge(
                tr(InvoiceDetailState.status_key), color_scheme=InvoiceDetailState.status_color, id="invoice-status"
            ),
            align="center",
            wrap="wrap",
        ),
        rx.link(rx.button(tr("invoices.download_pdf")), href=InvoiceDetailState.pdf_url, id="invoice-pdf"),
        section_card("invoices.facts", two_column_list(InvoiceDetailState.fact_rows, "invoice-facts")),
        section_card(
            "invoices.lines",
            plain_table(InvoiceDetailState.line_rows, line_headers, "invoice-lines"),
            two_column_list(InvoiceDetailState.total_rows, "invoice-totals"),
        ),
        section_card("invoices.payment", rx.text(InvoiceDetailState.payment_text, id="invoice-payment")),
        section_card(
            "invoices.days",
            day_chart(),
            plain_table(
                InvoiceDetailState.day_rows,
                ["invoices.col.day", "invoice.consumption", "invoices.col.cost"],
                "invoice-days",
            ),
        ),
        spacing="4",
        width="100%",
    )


def invoice_detail_page() -> rx.Component:
    """Render one invoice with its lines, totals, payment and daily consumption."""
    return branded(
        page_container(
            rx.vstack(
                rx.link(tr("invoices.back"), href="/invoices"),
                rx.cond(
                    InvoiceDetailState.found,
                    invoice_found(),
                    rx.callout(
                        tr("invoices.not_found"), icon="circle_alert", color_scheme="red", id="invoice-not-found"
                    ),
                ),
                spacing="4",
                width="100%",
            )
        )
    )
