"""`/subscriptions`: pick which contract the portal shows."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.text import tr
from nomos_portal.states.portal import PortalState
from nomos_portal.states.subscriptions import SubscriptionsState


def choice_card(choice: dict) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(choice["number"], weight="bold", size="4"),
                rx.text(choice["address"], color_scheme="gray"),
                rx.text(PortalState.t["status." + choice["status"].to(str)], size="2"),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                choice["chosen"] != "",
                rx.badge(tr("subscriptions.current"), size="2"),
                rx.button(
                    tr("subscriptions.choose"),
                    on_click=SubscriptionsState.choose(choice["id"]),
                    id="choose-" + choice["number"].to(str),
                ),
            ),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def subscriptions_page() -> rx.Component:
    """The customer's contracts on this plan, one card each."""
    return branded(
        page_container(
            rx.vstack(
                rx.heading(tr("subscriptions.heading"), size="7", as_="h1"),
                rx.text(tr("subscriptions.intro"), color_scheme="gray"),
                rx.cond(
                    SubscriptionsState.error_message != "",
                    rx.callout(SubscriptionsState.error_message, color_scheme="red", role="alert"),
                ),
                rx.foreach(SubscriptionsState.choices, choice_card),
                spacing="4",
                max_width="40rem",
            )
        )
    )
