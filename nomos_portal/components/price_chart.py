"""The dashboard's price chart: gross price per interval with the current one and the cheapest hour marked."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import notice, section_card, stack
from nomos_portal.components.text import tr
from nomos_portal.states.overview import OverviewState


def _position(**values) -> dict:
    """Build an inline style with an element's own position. assets/portal.css gives the rest of its look."""
    # As one Var, so Reflex finds the state vars it reads and subscribes the element to them.
    return {"style": rx.Var.create(values)}


def _price_label(tick) -> rx.Component:
    return rx.el.span(tick.label, class_name="price-tick price-tick-y", custom_attrs=_position(top=f"{tick.y}%"))


def _time_label(tick) -> rx.Component:
    # Narrow screens show only the major labels, so they never overlap.
    return rx.el.span(
        tick.label,
        class_name=rx.cond(tick.major, "price-tick price-tick-x", "price-tick price-tick-x price-tick-minor"),
        custom_attrs=_position(left=f"{tick.x}%"),
    )


def _gridline(tick) -> rx.Component:
    return rx.el.svg.line(x1=0, x2=100, y1=tick.y.to_string(), y2=tick.y.to_string(), class_name="price-gridline")


def _bar(bar) -> rx.Component:
    # An HTML box rather than an SVG rect, so its tooltip is a title attribute and not one more
    # element per quarter hour. The title contains time and price, formatted for the UI language.
    return rx.el.span(
        title=bar.title,
        class_name="price-bar",
        custom_attrs=_position(
            left=f"{bar.x}%",
            top=f"{bar.y}%",
            width=f"{bar.width}%",
            height=f"{bar.height}%",
        ),
    )


def price_bars() -> rx.Component:
    """Bar chart of the chosen day; gaps stay empty and negative prices hang below zero.

    Drawn from the layout that the state computes, so the chart shows in the same
    render as the prices and needs no chart library. Gridlines and the cheapest hour
    are SVG, and the bars and reference lines are positioned boxes above them.
    """
    layout = OverviewState.price_chart
    return rx.el.div(
        rx.el.div(rx.foreach(layout.price_ticks, _price_label), class_name="price-axis"),
        rx.el.div(
            rx.el.svg(
                rx.foreach(layout.price_ticks, _gridline),
                rx.cond(
                    layout.cheapest_width > 0,
                    rx.el.svg.rect(
                        x=layout.cheapest_x.to_string(),
                        y=0,
                        width=layout.cheapest_width.to_string(),
                        height=100,
                        class_name="cheapest-area",
                    ),
                ),
                view_box="0 0 100 100",
                preserve_aspect_ratio="none",
                aria_hidden="true",
            ),
            rx.foreach(layout.bars, _bar),
            rx.el.div(
                class_name="reference-line price-zero-line",
                custom_attrs=_position(top=f"{layout.zero_y}%"),
            ),
            rx.cond(
                layout.now_x >= 0,
                rx.el.div(
                    rx.el.span(tr("dashboard.now")),
                    class_name="reference-line now-marker",
                    custom_attrs=_position(left=f"{layout.now_x}%"),
                ),
            ),
            rx.foreach(layout.time_ticks, _time_label),
            class_name="price-plot",
        ),
        id="price-chart",
        class_name="price-chart",
    )


def day_tabs() -> rx.Component:
    """Today/tomorrow switch: two native radio buttons, drawn as one segmented control."""

    def option(value: str, key: str) -> rx.Component:
        return rx.el.label(
            rx.el.input(
                type="radio",
                name="price-day",
                value=value,
                checked=OverviewState.price_tab == value,
                on_change=OverviewState.show_prices,
            ),
            tr(key),
        )

    return rx.el.div(
        option("today", "dashboard.today"),
        option("tomorrow", "dashboard.tomorrow"),
        role="radiogroup",
        aria_label=tr("dashboard.prices"),
        id="price-day",
        class_name="portal-segments",
    )


def price_card() -> rx.Component:
    """Heading, current price, chart or "not yet published" notice, and the day's extremes."""
    return rx.el.section(
        stack(
            rx.el.div(
                rx.el.h2(tr("dashboard.prices"), class_name="portal-card-title"),
                rx.el.div(class_name="portal-spacer"),
                day_tabs(),
                class_name="portal-row portal-full",
            ),
            rx.el.p(OverviewState.current_price_text, id="current-price", class_name="portal-large portal-bold"),
            rx.el.p(OverviewState.current_components_text, class_name="portal-small portal-muted"),
            rx.cond(
                OverviewState.shown_day_published,
                stack(
                    rx.el.p(tr("dashboard.price_unit"), class_name="portal-tiny portal-muted"),
                    price_bars(),
                    rx.el.p(OverviewState.cheapest_text, id="cheapest-hour", class_name="portal-small"),
                    rx.el.p(OverviewState.dearest_text, id="dearest-hour", class_name="portal-small"),
                    rx.cond(
                        OverviewState.chart_has_gaps,
                        rx.el.p(tr("dashboard.gaps"), class_name="portal-tiny portal-muted"),
                    ),
                ),
                notice(OverviewState.not_published_text, id="not-published"),
            ),
            rx.cond(
                OverviewState.prices_are_demo,
                rx.el.p(tr("dashboard.demo"), id="demo-label", class_name="portal-tiny portal-muted"),
            ),
        ),
        class_name="portal-card",
    )


def best_times_card() -> rx.Component:
    """Cheapest contiguous 1, 2 and 3 hour windows still ahead."""
    return section_card(
        "dashboard.best_times",
        rx.el.ul(
            rx.foreach(OverviewState.best_time_lines, lambda line: rx.el.li(line)),
            id="best-times",
            class_name="portal-list",
        ),
    )


def prices_section() -> rx.Component:
    """Render the price card and the hint card, or a notice when prices cannot be computed."""
    return rx.cond(
        OverviewState.prices_unavailable,
        notice(tr("dashboard.prices_unavailable"), tone="error"),
        stack(price_card(), best_times_card(), spacing="4"),
    )
