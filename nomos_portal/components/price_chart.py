"""The dashboard's price chart: gross price per interval with the current one and the cheapest hour marked."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.text import tr
from nomos_portal.states.overview import OverviewState

# Tooltip shows the price already formatted for the UI language by the server.
_TOOLTIP_FORMATTER = rx.Var(_js_expr="((value, name, item) => [item.payload.price_label, name])")


def price_bars() -> rx.Component:
    """Bar chart of the chosen day; gaps stay empty and negative prices hang below zero."""
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="time", interval=OverviewState.chart_tick_interval, font_size=12),
        rx.recharts.y_axis(font_size=12, width=44),
        rx.recharts.graphing_tooltip(custom_attrs={"formatter": _TOOLTIP_FORMATTER}),
        rx.recharts.reference_line(y=0, stroke="var(--gray-9)"),
        rx.cond(
            OverviewState.cheapest_area.length() == 2,
            rx.recharts.reference_area(
                x1=OverviewState.cheapest_area[0],
                x2=OverviewState.cheapest_area[1],
                fill="var(--green-a4)",
                if_overflow="extendDomain",
            ),
        ),
        rx.recharts.bar(
            data_key="price",
            name=tr("dashboard.price"),
            fill="var(--accent-9)",
            is_animation_active=False,
        ),
        rx.cond(
            OverviewState.now_label != "",
            rx.recharts.reference_line(
                x=OverviewState.now_label,
                stroke="var(--brand-accent)",
                stroke_width=3,
                label=tr("dashboard.now"),
            ),
        ),
        data=OverviewState.chart_data,
        width="100%",
        height=280,
        bar_category_gap=1,
        id="price-chart",
    )


def day_tabs() -> rx.Component:
    """Today/tomorrow switch."""
    return rx.segmented_control.root(
        rx.segmented_control.item(tr("dashboard.today"), value="today"),
        rx.segmented_control.item(tr("dashboard.tomorrow"), value="tomorrow"),
        value=OverviewState.price_tab,
        on_change=OverviewState.show_prices,
        id="price-day",
    )


def price_card() -> rx.Component:
    """Heading, current price, chart or "not yet published" notice, and the day's extremes."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(tr("dashboard.prices"), size="4", as_="h2"),
                rx.spacer(),
                day_tabs(),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.text(OverviewState.current_price_text, weight="bold", size="4", id="current-price"),
            rx.text(OverviewState.current_components_text, size="2", color_scheme="gray"),
            rx.cond(
                OverviewState.shown_day_published,
                rx.box(
                    rx.text(tr("dashboard.price_unit"), size="1", color_scheme="gray"),
                    price_bars(),
                    rx.text(OverviewState.cheapest_text, size="2", id="cheapest-hour"),
                    rx.text(OverviewState.dearest_text, size="2", id="dearest-hour"),
                    rx.cond(OverviewState.chart_has_gaps, rx.text(tr("dashboard.gaps"), size="1", color_scheme="gray")),
                    width="100%",
                ),
                rx.callout(OverviewState.not_published_text, icon="clock", id="not-published"),
            ),
            rx.cond(
                OverviewState.prices_are_demo,
                rx.text(tr("dashboard.demo"), size="1", color_scheme="gray", id="demo-label"),
            ),
            spacing="2",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def best_times_card() -> rx.Component:
    """Cheapest contiguous 1, 2 and 3 hour windows still ahead."""
    return section_card(
        "dashboard.best_times",
        rx.el.ul(
            rx.foreach(OverviewState.best_time_lines, lambda line: rx.el.li(rx.text(line))),
            id="best-times",
            style={"padding_left": "1.2rem", "margin": 0},
        ),
    )


def prices_section() -> rx.Component:
    """Render the price card and the hint card, or a notice when prices cannot be computed."""
    return rx.cond(
        OverviewState.prices_unavailable,
        rx.callout(tr("dashboard.prices_unavailable"), icon="triangle_alert", color_scheme="red"),
        rx.vstack(price_card(), best_times_card(), spacing="4", width="100%"),
    )
