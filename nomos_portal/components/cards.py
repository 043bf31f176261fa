"""Card with a translated heading, the building block of the signed-in pages."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.text import tr


def section_card(title_key: str, *children: rx.Component, spacing: str = "2") -> rx.Component:
    """A full-width card headed by the message `title_key` as an h2."""
    return rx.card(
        rx.vstack(rx.heading(tr(title_key), size="4", as_="h2"), *children, spacing=spacing, width="100%"),
        size="3",
        width="100%",
    )


# Width of the labels in a card's definition list: narrower on phones, so values keep room to wrap.
LABEL_WIDTH = rx.breakpoints(initial="7.5rem", sm="14rem")
