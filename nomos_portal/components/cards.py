"""Cards, fact lists and notices: the building blocks of the signed-in pages, styled by assets/portal.css."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.text import tr

# Gap between a card's parts, by the `spacing` names that Radix Themes uses.
_STACK_GAPS = {"2": "", "3": " gap-3", "4": " gap-4", "5": " gap-5"}


def stack(*children: rx.Component, spacing: str = "2", **props) -> rx.Component:
    """Stack children in a full-width column, `spacing` (2 to 5) apart in the theme's space steps."""
    return rx.el.div(*children, class_name="portal-stack" + _STACK_GAPS[spacing], **props)


def section_card(title_key: str, *children: rx.Component, spacing: str = "2") -> rx.Component:
    """A full-width card headed by the message `title_key` as an h2."""
    return rx.el.section(
        stack(rx.el.h2(tr(title_key), class_name="portal-card-title"), *children, spacing=spacing),
        class_name="portal-card",
    )


def facts(rows: rx.Var) -> rx.Component:
    """List (label, value) pairs as a definition list."""
    return rx.el.dl(
        rx.foreach(rows, lambda row: rx.fragment(rx.el.dt(row[0]), rx.el.dd(row[1]))),
        class_name="portal-facts",
    )


def _notice_icon() -> rx.Component:
    # A circled exclamation mark, drawn inline, so a page with a notice loads no icon library.
    return rx.el.svg(
        rx.el.svg.circle(cx=12, cy=12, r=10),
        rx.el.svg.line(x1=12, y1=7, x2=12, y2=13),
        rx.el.svg.line(x1=12, y1=17, x2=12, y2=17),
        view_box="0 0 24 24",
        fill="none",
        stroke="currentColor",
        stroke_width=2,
        stroke_linecap="round",
        aria_hidden="true",
    )


def notice(text: rx.Var | str, *, tone: str = "info", **props) -> rx.Component:
    """Show a short message with an icon in a tinted box. The tone "error" tints it red."""
    return rx.el.div(
        _notice_icon(), rx.el.p(text, class_name="portal-text"), data_tone=tone, class_name="portal-callout", **props
    )


# Width of the labels in a card's definition list: narrower on phones, so values keep room to wrap.
LABEL_WIDTH = rx.breakpoints(initial="7.5rem", sm="14rem")
