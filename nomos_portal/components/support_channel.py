"""The org's support channel, shown on every help page."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.cards import section_card
from nomos_portal.components.text import tr
from nomos_portal.states.portal import PortalState


def _row(label_key: str, value: rx.Component) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(tr(label_key)), rx.data_list.value(value))


def support_channel_card() -> rx.Component:
    """Email, phone with opening hours and website of customer service, and the contact form."""
    return section_card(
        "help.support_title",
        rx.data_list.root(
            _row(
                "help.support_email",
                rx.link(PortalState.support_email, href="mailto:" + PortalState.support_email, id="support-email"),
            ),
            rx.cond(
                PortalState.support_phone != "",
                _row("help.support_phone", rx.text(PortalState.support_phone, id="support-phone")),
            ),
            rx.cond(
                PortalState.support_hours != "",
                _row("help.support_hours", rx.text(PortalState.support_hours, id="support-hours")),
            ),
            rx.cond(
                PortalState.support_url != "",
                _row(
                    "help.support_url",
                    rx.link(PortalState.support_url, href=PortalState.support_url, is_external=True, id="support-url"),
                ),
            ),
            size="2",
        ),
        rx.link(tr("help.contact_link"), href="/help/contact", id="contact-link"),
    )
