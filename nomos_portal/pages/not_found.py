"""Page for unknown routes on a known tenant."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr


def not_found_page() -> rx.Component:
    """A branded "page not found" with a way back."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("page_missing.title"), size="7", as_="h1"),
                rx.text(tr("page_missing.text")),
                rx.link(tr("page_missing.back"), href="/overview"),
                spacing="3",
            )
        )
    )
