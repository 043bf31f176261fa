"""The branded frame around every page: head links, header, footer and the no-tenant page."""

from __future__ import annotations

import json

import reflex as rx
from reflex.components.react_router.dom import ReactRouterLink
from reflex.vars import VarData

from nomos_portal.bundling import RADIX_COMPONENT_STYLES, RADIX_THEME, RADIX_THEME_ROOT_ATTRS, RADIX_THEME_ROOT_CLASS
from nomos_portal.components.text import tr
from nomos_portal.prefill import ELEMENT_ID as PREFILL_ELEMENT_ID
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

    In production the server writes the favicon and the font stylesheet's link into each
    page (nomos_portal.head), so these links would only fetch the stylesheet a second time.
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


def radix_component_styles() -> rx.Component:
    """Link the styles of Radix Themes' components, for a page that uses any of them.

    React puts a stylesheet with a `precedence` into <head>, in the prerendered HTML or when a
    page rendered in the browser needs it. In the browser, React waits for it to load before it
    shows the page. Vite bundles the file and names it by its content hash.
    """
    url = rx.Var(
        _js_expr="radixComponentStylesUrl",
        _var_type=str,
        _var_data=VarData(
            imports={
                f"$/{RADIX_COMPONENT_STYLES}?url": [
                    rx.ImportVar(tag="radixComponentStylesUrl", is_default=True, install=False)
                ]
            }
        ),
    )
    return rx.el.link(rel="stylesheet", href=url, custom_attrs={"precedence": "radix-themes"})


def uses_radix_themes(component: rx.Component) -> bool:
    """Return whether a component or any of its descendants, in any branch, is a Radix Themes component."""
    # NOTE: `_get_all_imports` is Reflex's private API. Unit tests cover it for cond, foreach and match.
    return any(library.startswith("@radix-ui/themes") for library in component._get_all_imports())


class StatePrefill(rx.Fragment):
    """Hand the state that the server wrote into the page to the frontend's state store, once.

    See nomos_portal.prefill: only a signed-in page in production carries the
    element. The element is removed after reading, so a later visit of the
    page within the tab waits for its own page load. The layout effect runs
    right after hydration, so the next render replaces the prerendered
    loading screen with the page and its data.
    """

    def add_imports(self) -> dict[str, list[str] | str]:
        """Import the hooks and the store's dispatchers."""
        return {"react": ["useContext", "useLayoutEffect"], "$/utils/context": "DispatchContext"}

    def add_hooks(self) -> list[str]:
        """Read the JSON element and apply each state's values as a websocket delta would."""
        return [
            "const prefillDispatchers = useContext(DispatchContext);",
            f"""useLayoutEffect(() => {{
  const element = document.getElementById({json.dumps(PREFILL_ELEMENT_ID)});
  if (element === null) return;
  element.remove();
  const values = JSON.parse(element.textContent);
  for (const [name, delta] of Object.entries(values)) prefillDispatchers[name]?.(delta);
}}, [prefillDispatchers]);""",
        ]


def language_switch() -> rx.Component:
    """Render the German/English selector as a native select, so phones show their own picker.

    A cookie keeps the choice.
    """
    return rx.el.select(
        rx.el.option("Deutsch", value="de"),
        rx.el.option("English", value="en"),
        value=PortalState.language,
        on_change=AuthState.change_language,
        aria_label=tr("nav.language"),
        id="language",
        class_name="portal-language",
    )


def router_link(*children: rx.Component | rx.Var | str, href: str | rx.Var, **props) -> rx.Component:
    """Link to a page of the portal without reloading the document. Class names style the link."""
    return ReactRouterLink.create(*children, to=href, **props)


def brand_mark() -> rx.Component:
    """Logo and org name, linking to the overview."""
    return router_link(
        rx.el.img(src=PortalState.logo_url, alt=""),
        rx.el.span(PortalState.org_name),
        href="/overview",
        aria_label=PortalState.org_name,
        class_name="portal-brand",
    )


def header() -> rx.Component:
    """Top bar in the tenant's primary colour."""
    return rx.el.header(
        rx.el.div(
            brand_mark(),
            rx.el.nav(
                *[router_link(tr(key), href=href) for key, href in NAV_ITEMS],
                rx.cond(
                    AuthState.subscription_count > 1,
                    router_link(tr("nav.subscriptions"), href="/subscriptions"),
                ),
                aria_label=tr("nav.main"),
                class_name="portal-nav",
            ),
            rx.el.div(class_name="portal-spacer"),
            language_switch(),
            rx.cond(
                AuthState.signed_in,
                rx.el.button(
                    tr("nav.sign_out"),
                    on_click=AuthState.sign_out,
                    type="button",
                    id="sign-out",
                    class_name="portal-sign-out",
                ),
            ),
            class_name="portal-header-bar",
        ),
        class_name="portal-header",
    )


def footer() -> rx.Component:
    """Support channel of the org on every page."""
    return rx.el.footer(
        rx.el.div(
            rx.el.span(PortalState.org_name, class_name="portal-bold"),
            rx.el.a(PortalState.support_email, href="mailto:" + PortalState.support_email, class_name="portal-link"),
            rx.el.span(PortalState.support_phone),
            rx.el.span(PortalState.support_hours, class_name="portal-muted"),
            class_name="portal-footer-bar",
        ),
        class_name="portal-footer",
    )


def tenant_missing() -> rx.Component:
    """Neutral page for hosts that name no plan: no tenant name, no data."""
    return rx.el.div(
        rx.el.h1(tr("tenant_missing.title"), id="tenant-missing", class_name="portal-title"),
        rx.el.p(tr("tenant_missing.text"), class_name="portal-text portal-muted portal-narrow"),
        class_name="portal-center",
    )


def loading() -> rx.Component:
    """Spinner shown until the first page load has resolved the tenant."""
    return rx.el.div(
        rx.el.div(class_name="portal-spinner"),
        # Laid out but never seen: the browser fetches the brand font and prepares its text
        # shaping while the page's scripts load, and not only once the data renders.
        rx.el.span("Aa", rx.el.b("Aa"), class_name="portal-font-warmup", aria_hidden="true"),
        role="status",
        aria_label=tr("app.loading"),
        class_name="portal-center",
    )


def branded(content: rx.Component, *, with_shell: bool = True) -> rx.Component:
    """Wrap a page in the tenant's colours and font, or show the neutral page for unknown hosts.

    The colours and font come as CSS variables in an inline style, which the
    browser applies without generating CSS. In production the server has written
    them into the page's head already, before the state arrives.
    """
    body = content
    if with_shell:
        body = rx.fragment(header(), rx.el.main(content, class_name="portal-main"), footer())
    page = rx.match(
        PortalState.tenant_status,
        ("found", body),
        ("missing", tenant_missing()),
        loading(),
    )
    children = (brand_head(), StatePrefill.create(), page)
    # The page's root element is the Radix theme (see nomos_portal.bundling). Only pages with Radix
    # Themes components load its scripts and the styles of its components.
    if uses_radix_themes(page):
        return rx.theme(
            radix_component_styles(),
            *children,
            **RADIX_THEME,
            class_name=f"{RADIX_THEME['appearance']} portal-root",
            custom_attrs={"style": PortalState.theme_vars},
        )
    return rx.el.div(
        *children,
        class_name=f"{RADIX_THEME_ROOT_CLASS} portal-root",
        custom_attrs={**RADIX_THEME_ROOT_ATTRS, "style": PortalState.theme_vars},
    )


def page_container(*children: rx.Component) -> rx.Component:
    """Centered column for a page's content."""
    return rx.el.div(*children, class_name="portal-page")
