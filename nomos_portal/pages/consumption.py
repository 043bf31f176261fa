"""`/consumption`: consumption against price, and meter readings for meters without remote reading."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.consumption import ConsumptionState

STATE_COLOURS = {"final": "var(--accent-9)", "preliminary": "var(--accent-6)", "substitute": "var(--amber-9)"}
# The tooltip shows the texts the server formatted for the UI language.
_TOOLTIP_FORMATTER = rx.Var(_js_expr="((value, name, item) => [item.payload[item.dataKey + '_label'], name])")


def view_switch() -> rx.Component:
    return rx.segmented_control.root(
        *[
            rx.segmented_control.item(tr(f"consumption.view.{view}"), value=view)
            for view in ("day", "week", "month", "year")
        ],
        value=ConsumptionState.view,
        on_change=ConsumptionState.set_view,
        id="consumption-view",
    )


def period_navigation() -> rx.Component:
    return rx.hstack(
        rx.button(
            tr("consumption.previous"), on_click=ConsumptionState.shift(-1), variant="soft", id="previous-period"
        ),
        rx.text(
            ConsumptionState.period_label, weight="bold", id="period-label", min_width="12rem", text_align="center"
        ),
        rx.button(tr("consumption.next"), on_click=ConsumptionState.shift(1), variant="soft", id="next-period"),
        rx.input(
            type="date",
            value=ConsumptionState.anchor,
            on_change=ConsumptionState.pick_date,
            aria_label=tr("consumption.date"),
            id="period-date",
        ),
        align="center",
        wrap="wrap",
        spacing="3",
    )


def consumption_chart() -> rx.Component:
    """Bars of kWh stacked by data state, the price paid as a line on the right axis."""
    return rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", font_size=12),
        rx.recharts.y_axis(y_axis_id="kwh", font_size=12, width=48),
        rx.recharts.y_axis(y_axis_id="price", orientation="right", font_size=12, width=48),
        rx.recharts.graphing_tooltip(custom_attrs={"formatter": _TOOLTIP_FORMATTER}),
        rx.recharts.legend(),
        *[
            rx.recharts.bar(
                data_key=state,
                name=ConsumptionState.state_names[state],
                stack_id="kwh",
                y_axis_id="kwh",
                fill=colour,
                is_animation_active=False,
            )
            for state, colour in STATE_COLOURS.items()
        ],
        rx.recharts.line(
            data_key="price",
            name=tr("consumption.price"),
            y_axis_id="price",
            stroke="var(--brand-accent)",
            dot=False,
            connect_nulls=False,
            is_animation_active=False,
            type_="monotone",
        ),
        data=ConsumptionState.chart_rows,
        width="100%",
        height=320,
        id="consumption-chart",
    )


def chart_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(view_switch(), rx.spacer(), period_navigation(), width="100%", wrap="wrap", align="center"),
            rx.cond(
                ConsumptionState.has_data,
                rx.box(consumption_chart(), width="100%"),
                rx.callout(tr("consumption.no_data"), icon="info", id="no-consumption"),
            ),
            rx.text(ConsumptionState.total_text, weight="bold", id="period-total"),
            rx.text(
                rx.cond(ConsumptionState.is_smart, tr("consumption.state_note"), tr("consumption.interpolated")),
                size="1",
                color_scheme="gray",
            ),
            rx.button(tr("consumption.export"), on_click=ConsumptionState.export, variant="outline", id="export-csv"),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def reading_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("consumption.reading_form"), size="4", as_="h2"),
            rx.el.label(tr("consumption.reading_date"), html_for="reading_date"),
            rx.input(id="reading_date", name="reading_date", type="date", default_value=ConsumptionState.reading_date),
            rx.el.label(tr("consumption.reading_value"), html_for="reading_value"),
            rx.input(id="reading_value", name="reading_value", input_mode="decimal", max_length=20),
            rx.el.label(tr("consumption.reading_note"), html_for="reading_note"),
            rx.text_area(id="reading_note", name="reading_note", max_length=500),
            rx.cond(
                ConsumptionState.reading_error != "",
                rx.callout(
                    ConsumptionState.reading_error,
                    color_scheme=rx.cond(ConsumptionState.reading_needs_confirmation, "amber", "red"),
                    role="alert",
                    id="reading-error",
                ),
            ),
            rx.cond(
                ConsumptionState.reading_saved_text != "",
                rx.callout(ConsumptionState.reading_saved_text, color_scheme="green", id="reading-saved"),
            ),
            rx.hstack(
                rx.button(tr("consumption.reading_submit"), type="submit", id="submit-reading"),
                rx.cond(
                    ConsumptionState.reading_needs_confirmation,
                    rx.button(
                        tr("consumption.reading_confirm"),
                        type="button",
                        on_click=ConsumptionState.confirm_reading,
                        color_scheme="amber",
                        id="confirm-reading",
                    ),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=ConsumptionState.submit_reading,
        reset_on_submit=False,
        no_validate=True,
    )


def readings_list() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("consumption.readings"), size="4", as_="h2"),
        rx.cond(
            ConsumptionState.reading_lines.length() > 0,
            rx.el.ul(
                rx.foreach(
                    ConsumptionState.reading_lines,
                    lambda line: rx.el.li(
                        rx.text(line[0]),
                        rx.text(line[1], size="2", color_scheme="gray"),
                        rx.text(line[2], size="2", font_style="italic"),
                    ),
                ),
                id="reading-list",
                style={"padding_left": "1.2rem", "margin": 0},
            ),
            rx.text(tr("consumption.no_readings")),
        ),
        spacing="2",
    )


def readings_card() -> rx.Component:
    return rx.card(
        rx.cond(
            ConsumptionState.is_smart,
            rx.text(tr("consumption.smart_only")),
            rx.grid(reading_form(), readings_list(), columns=rx.breakpoints(initial="1", md="2"), spacing="5"),
        ),
        size="3",
        width="100%",
    )


def consumption_page() -> rx.Component:
    """Chart card and readings card."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("consumption.heading"), size="7", as_="h1"),
                chart_card(),
                readings_card(),
                spacing="5",
            )
        )
    )
