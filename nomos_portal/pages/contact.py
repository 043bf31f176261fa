"""`/help/contact`: the message form to customer service, beside the support channel."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, page_container
from nomos_portal.components.support_channel import support_channel_card
from nomos_portal.components.text import tr
from nomos_portal.services.support import MAX_MESSAGE_LENGTH, MAX_REFERENCE_LENGTH, TOPICS
from nomos_portal.states.help import ContactState


def sender_note() -> rx.Component:
    """Who writes: the signed-in customer, or an email field for visitors."""
    return rx.cond(
        ContactState.signed_in_text != "",
        rx.text(ContactState.signed_in_text, id="contact-sender"),
        rx.vstack(
            rx.text(tr("contact.anonymous_note"), color_scheme="gray"),
            rx.link(tr("contact.sign_in"), href="/login?next=/help/contact"),
            rx.el.label(tr("contact.email"), html_for="contact-email"),
            rx.input(id="contact-email", name="email", type="email", auto_complete="email", max_length=254),
            spacing="2",
            width="100%",
        ),
    )


def topic_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id="contact-topic", aria_label=tr("contact.topic")),
        rx.select.content(*[rx.select.item(tr(f"help.topic.{topic}"), value=topic) for topic in TOPICS]),
        name="topic",
        default_value=ContactState.topic,
    )


def contact_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            sender_note(),
            rx.el.label(tr("contact.topic"), html_for="contact-topic"),
            topic_select(),
            rx.el.label(tr("contact.reference"), html_for="contact-reference"),
            rx.input(id="contact-reference", name="reference", max_length=MAX_REFERENCE_LENGTH),
            rx.el.label(tr("contact.message"), html_for="contact-message"),
            rx.text_area(id="contact-message", name="message", max_length=MAX_MESSAGE_LENGTH, rows="8"),
            rx.cond(
                ContactState.error_message != "",
                rx.callout(ContactState.error_message, color_scheme="red", role="alert", id="contact-error"),
            ),
            rx.cond(
                ContactState.sent_text != "",
                rx.callout(ContactState.sent_text, color_scheme="green", role="status", id="contact-sent"),
            ),
            rx.button(tr("contact.send"), type="submit", id="contact-send"),
            rx.text(ContactState.limit_text, size="1", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        on_submit=ContactState.send,
        reset_on_submit=False,
        # The server validates the input and replies in the portal's language, not the browser's.
        no_validate=True,
        key=ContactState.form_key,
    )


def contact_page() -> rx.Component:
    """Render the contact form beside the support channel."""
    return branded(
        page_container(
            rx.vstack(
                rx.link(tr("help.back"), href="/help"),
                rx.heading(tr("contact.heading"), size="7", as_="h1"),
                rx.text(tr("contact.intro"), color_scheme="gray"),
                rx.grid(
                    rx.card(contact_form(), size="3", width="100%"),
                    rx.box(support_channel_card()),
                    columns=rx.breakpoints(initial="1", md="2fr 1fr"),
                    spacing="5",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            )
        )
    )
