"""`/login`: email, then the six-digit code."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded, language_switch
from nomos_portal.components.text import tr
from nomos_portal.states.login import LoginState
from nomos_portal.states.portal import PortalState


def error_callout() -> rx.Component:
    return rx.cond(
        LoginState.error_message != "",
        rx.callout(LoginState.error_message, icon="triangle_alert", color_scheme="red", role="alert", id="login-error"),
    )


def email_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("login.intro"), color_scheme="gray"),
            rx.el.label(tr("login.email_label"), html_for="email", font_weight="500"),
            rx.input(
                id="email",
                name="email",
                type="email",
                auto_complete="email",
                placeholder=tr("login.email_placeholder"),
                required=True,
                max_length=254,
                size="3",
                width="100%",
            ),
            error_callout(),
            rx.button(tr("login.send_code"), type="submit", size="3", width="100%", id="send-code"),
            spacing="3",
            width="100%",
        ),
        on_submit=LoginState.request_code,
        reset_on_submit=False,
        # The server validates the input and replies in the portal's language, not the browser's.
        no_validate=True,
    )


def code_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.callout(LoginState.code_sent_message, icon="mail", id="code-sent"),
            rx.el.label(tr("login.code_label"), html_for="code", font_weight="500"),
            rx.input(
                id="code",
                name="code",
                input_mode="numeric",
                auto_complete="one-time-code",
                max_length=7,
                placeholder="123456",
                size="3",
                width="100%",
                letter_spacing="0.3em",
            ),
            rx.text(tr("login.code_hint"), size="2", color_scheme="gray"),
            error_callout(),
            rx.button(
                tr("login.verify"), type="submit", size="3", width="100%", id="verify-code", loading=LoginState.busy
            ),
            rx.hstack(
                rx.button(tr("login.resend"), type="button", variant="ghost", on_click=LoginState.resend_code),
                rx.button(tr("login.change_email"), type="button", variant="ghost", on_click=LoginState.change_email),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=LoginState.verify_code,
        reset_on_submit=False,
        no_validate=True,
    )


def login_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.image(src=PortalState.logo_url, alt="", height="44px", width="44px"),
                rx.heading(PortalState.org_name, size="6"),
                rx.spacer(),
                language_switch(),
                align="center",
                width="100%",
            ),
            rx.heading(tr("login.heading"), size="5", as_="h1"),
            rx.cond(LoginState.step == "code", code_step(), email_step()),
            spacing="4",
            width="100%",
        ),
        size="4",
        width="100%",
        max_width="28rem",
    )


def login_page() -> rx.Component:
    """Render the sign-in page, centred on the tenant's surface colour."""
    return branded(
        rx.center(
            rx.vstack(
                login_card(),
                rx.text(PortalState.plan_name, size="2", color_scheme="gray"),
                align="center",
                width="100%",
                spacing="3",
            ),
            min_height="100vh",
            padding="1.5rem",
        ),
        with_shell=False,
    )
