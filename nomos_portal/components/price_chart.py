"""The dashboard's price chart: gross price per interval with the current one and the cheapest hour marked."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.text import tr
from nomos_portal.states.overview import OverviewState

# Height of the plot area and the room left for the labels around it, in pixels.
PLOT_HEIGHT = "240px"
PRICE_LABEL_WIDTH = "2.75rem"
LABEL_SIZE = "12px"


def _price_label(tick) -> rx.Component:
    return rx.el.span(
        tick.label,
        position="absolute",
        right="0.4rem",
        top=f"{tick.y}%",
        transform="translateY(-50%)",
        font_size=LABEL_SIZE,
        color="var(--gray-11)",
    )


def _time_label(tick) -> rx.Component:
    def label(display) -> rx.Component:
        return rx.el.span(
            tick.label,
            position="absolute",
            left=f"{tick.x}%",
            top="calc(100% + 4px)",
            transform="translateX(-50%)",
            font_size=LABEL_SIZE,
            color="var(--gray-11)",
            white_space="nowrap",
            display=display,
        )

    # Narrow screens show only the major labels, so they never overlap.
    return rx.cond(tick.major, label("block"), label(rx.breakpoints(initial="none", sm="block")))


def _gridline(tick) -> rx.Component:
    return rx.el.svg.line(
        x1=0,
        x2=100,
        y1=tick.y.to_string(),
        y2=tick.y.to_string(),
        stroke="var(--gray-a5)",
        stroke_dasharray="3 3",
        vector_effect="non-scaling-stroke",
    )


def _bar(bar) -> rx.Component:
    # The title is the bar's tooltip: time and price, already formatted for the UI language.
    return rx.el.svg.rect(
        rx.el.svg.title(bar.title),
        x=bar.x.to_string(),
        y=bar.y.to_string(),
        width=bar.width.to_string(),
        height=bar.height.to_string(),
        fill="var(--accent-9)",
        class_name="price-bar",
    )


def price_bars() -> rx.Component:
    """Bar chart of the chosen day; gaps stay empty and negative prices hang below zero.

    Plain SVG drawn from the layout that the state computes, so the chart shows in the
    same render as the prices and needs no chart library on the overview.
    """
    layout = OverviewState.price_chart
    return rx.box(
        rx.box(
            rx.foreach(layout.price_ticks, _price_label),
            position="absolute",
            left="0",
            top="0",
            height=PLOT_HEIGHT,
            width=PRICE_LABEL_WIDTH,
        ),
        rx.box(
            rx.el.svg(
                rx.foreach(layout.price_ticks, _gridline),
                rx.cond(
                    layout.cheapest_width > 0,
                    rx.el.svg.rect(
                        x=layout.cheapest_x.to_string(),
                        y=0,
                        width=layout.cheapest_width.to_string(),
                        height=100,
                        fill="var(--green-a4)",
                        class_name="cheapest-area",
                    ),
                ),
                rx.foreach(layout.bars, _bar),
                rx.el.svg.line(
                    x1=0,
                    x2=100,
                    y1=layout.zero_y.to_string(),
                    y2=layout.zero_y.to_string(),
                    stroke="var(--gray-9)",
                    vector_effect="non-scaling-stroke",
                    class_name="reference-line",
                ),
                view_box="0 0 100 100",
                preserve_aspect_ratio="none",
                width="100%",
                height="100%",
                overflow="visible",
                aria_hidden="true",
            ),
            rx.cond(
                layout.now_x >= 0,
                rx.box(
                    rx.el.span(
                        tr("dashboard.now"),
                        position="absolute",
                        top="-1.1rem",
                        left="4px",
                        font_size=LABEL_SIZE,
                        color="var(--brand-accent)",
                        font_weight="bold",
                    ),
                    position="absolute",
                    left=f"{layout.now_x}%",
                    top="0",
                    height="100%",
                    border_left="3px solid var(--brand-accent)",
                    transform="translateX(-1.5px)",
                    class_name="reference-line now-marker",
                ),
            ),
            rx.foreach(layout.time_ticks, _time_label),
            position="absolute",
            left=PRICE_LABEL_WIDTH,
            right="0",
            top="0",
            height=PLOT_HEIGHT,
        ),
        position="relative",
        height=f"calc({PLOT_HEIGHT} + 2.25rem)",
        margin_top="1.25rem",
        width="100%",
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
