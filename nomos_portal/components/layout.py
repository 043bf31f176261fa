"""The branded frame around every page: head links, header, footer and the no-tenant page."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.text import tr
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PortalState

NAV_ITEMS = (
    ("nav.overview", "/overview"),
    ("nav.consumption", "/consumption"),
    ("nav.tariff", "/tariff"),
    ("nav.invoices", "/invoices"),
    ("nav.orders", "/orders"),
    ("nav.account", "/account"),
    ("nav.help", "/help"),
)


def brand_head() -> rx.Component:
    """Link the tenant's favicon and font stylesheet in development. Reflex hoists the links into <head>.

    In production the server writes the favicon into each page and /tenant.css imports the
    font stylesheet, so these links would only fetch the stylesheet a second time.
    """
    if get_settings().is_production:
        return rx.fragment()
    return rx.fragment(
        rx.cond(PortalState.logo_url != "", rx.el.link(rel="icon", href=PortalState.logo_url)),
        rx.cond(
            PortalState.font_stylesheet_url != "",
            rx.el.link(rel="stylesheet", href=PortalState.font_stylesheet_url),
        ),
    )


def language_switch() -> rx.Component:
    """German/English selector; the choice is kept in a cookie."""
    return rx.select.root(
        rx.select.trigger(aria_label=tr("nav.language"), variant="ghost", style={"color": "inherit"}, id="language"),
        rx.select.content(
            rx.select.item("Deutsch", value="de"),
            rx.select.item("English", value="en"),
        ),
        value=PortalState.language,
        on_change=AuthState.change_language,
        size="2",
    )


def brand_mark() -> rx.Component:
    """Logo and org name, linking to the overview."""
    return rx.link(
        rx.hstack(
            rx.image(src=PortalState.logo_url, alt="", height="36px", width="36px"),
            rx.text(PortalState.org_name, weight="bold", size="4", color="var(--brand-on-primary)"),
            align="center",
            spacing="3",
        ),
        href="/overview",
        underline="none",
        aria_label=PortalState.org_name,
    )


def nav_link(key: str, href: str) -> rx.Component:
    """A header link with a translated label."""
    return rx.link(tr(key), href=href, color="var(--brand-on-primary)", weight="medium", size="3")


def header() -> rx.Component:
    """Top bar in the tenant's primary colour."""
    return rx.el.header(
        rx.hstack(
            brand_mark(),
            rx.el.nav(
                rx.hstack(
                    *[nav_link(key, href) for key, href in NAV_ITEMS],
                    rx.cond(
                        AuthState.subscription_count > 1,
                        nav_link("nav.subscriptions", "/subscriptions"),
                    ),
                    spacing="5",
                    align="center",
                    # Phones get the links on several rows instead of a page wider than the screen.
                    wrap="wrap",
                    row_gap="0.5rem",
                ),
                aria_label=tr("nav.main"),
            ),
            rx.spacer(),
            rx.box(language_switch(), color="var(--brand-on-primary)"),
            rx.cond(
                AuthState.signed_in,
                rx.button(
                    tr("nav.sign_out"),
                    on_click=AuthState.sign_out,
                    variant="outline",
                    style={"color": "var(--brand-on-primary)", "box_shadow": "inset 0 0 0 1px var(--brand-on-primary)"},
                    id="sign-out",
                ),
            ),
            align="center",
            spacing="5",
            wrap="wrap",
            max_width="1100px",
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="0.75rem",
        ),
        background="var(--brand-primary)",
        color="var(--brand-on-primary)",
        width="100%",
    )


def footer() -> rx.Component:
    """Support channel of the org on every page."""
    return rx.el.footer(
        rx.hstack(
            rx.text(PortalState.org_name, weight="bold"),
            rx.link(PortalState.support_email, href="mailto:" + PortalState.support_email),
            rx.text(PortalState.support_phone),
            rx.text(PortalState.support_hours, color_scheme="gray"),
            spacing="4",
            wrap="wrap",
            max_width="1100px",
            margin_x="auto",
            padding="1.5rem",
            size="2",
        ),
        border_top="1px solid var(--gray-a5)",
        margin_top="auto",
        width="100%",
    )


def tenant_missing() -> rx.Component:
    """Neutral page for hosts that name no plan: no tenant name, no data."""
    return rx.center(
        rx.vstack(
            rx.heading(tr("tenant_missing.title"), size="7", id="tenant-missing"),
            rx.text(tr("tenant_missing.text"), color_scheme="gray", max_width="32rem"),
            spacing="3",
            align="center",
            text_align="center",
        ),
        min_height="100vh",
        padding="2rem",
    )


def loading() -> rx.Component:
    """Spinner shown until the first page load has resolved the tenant."""
    return rx.center(rx.spinner(size="3"), min_height="100vh", aria_label=tr("app.loading"))


def branded(content: rx.Component, *, with_shell: bool = True) -> rx.Component:
    """Wrap a page in the tenant's colours and font, or show the neutral page for unknown hosts."""
    body = content
    if with_shell:
        body = rx.flex(
            header(),
            rx.el.main(content, width="100%", flex="1"),
            footer(),
            direction="column",
            min_height="100vh",
        )
    return rx.box(
        brand_head(),
        rx.match(
            PortalState.tenant_status,
            ("found", body),
            ("missing", tenant_missing()),
            loading(),
        ),
        style=PortalState.theme_vars,
        font_family=PortalState.font_stack,
        background="var(--brand-surface, var(--color-background))",
        min_height="100vh",
    )


def page_container(*children: rx.Component) -> rx.Component:
    """Centered column for a page's content."""
    return rx.box(*children, max_width="1100px", margin_x="auto", padding="2rem 1.5rem", width="100%")
