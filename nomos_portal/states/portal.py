"""The root state: which tenant the page belongs to, its brand and the UI language."""

from __future__ import annotations

import logging

import reflex as rx

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.models import Org, Plan
from nomos_portal.services import branding, tenancy
from nomos_portal.settings import get_settings

logger = logging.getLogger(__name__)

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


class PageLanguage(rx.State, mixin=True):
    """A page state's own copy of the UI language, for its computed vars.

    When a computed var reads `PortalState.lang`, Reflex loads that page's state from
    Redis for every event of the tab, because a language change could alter the var.
    With eleven pages that was most of an event's state traffic. Page states read
    `_page_lang` instead: `_load_tenant` copies the language on each page load and
    the language switches copy it into every page state.
    """

    _page_lang: str = i18n.DEFAULT_LANGUAGE


def page_state_classes() -> list[type[rx.State]]:
    """List every state class below PortalState that keeps its own copy of the language."""
    found, pending = [], list(PortalState.get_substates())
    while pending:
        state_class = pending.pop()
        pending.extend(state_class.get_substates())
        if issubclass(state_class, PageLanguage):
            found.append(state_class)
    return found


class PortalState(rx.State):
    """Tenant, brand and language of the current page."""

    # The UI language; not sensitive, so a script-readable cookie is fine.
    lang: str = rx.Cookie(
        i18n.DEFAULT_LANGUAGE, name=i18n.LANGUAGE_COOKIE, max_age=LANGUAGE_COOKIE_MAX_AGE, same_site="lax"
    )
    # "pending" until the first page load resolves the host, then "found" or "missing".
    tenant_status: str = "pending"
    org_name: str = ""
    plan_name: str = ""
    logo_url: str = ""
    font_stylesheet_url: str = ""
    theme_vars: dict[str, str] = {}
    support_email: str = ""
    support_phone: str = ""
    support_hours: str = ""
    support_url: str = ""

    _plan_id: int | None = None
    _org_id: int | None = None

    @rx.var
    def t(self) -> dict[str, str]:
        """All messages in the current language, looked up by key in components."""
        return i18n.catalog(self.lang)

    def __getstate__(self):
        """Return the fields to store in Redis, without the cached message catalog.

        Every tab would otherwise store and load about 40 KB of messages with each event. The
        catalog of a language is the same for every tab, so it is looked up again after loading.
        """
        fields = super().__getstate__()
        # Found by identity, because production builds shorten the names of vars and their caches.
        catalogs = {id(catalog) for catalog in i18n.CATALOGS.values()}
        return {name: value for name, value in fields.items() if id(value) not in catalogs}

    @rx.var
    def language(self) -> str:
        """The current language code, always a supported one."""
        return i18n.normalize_language(self.lang)

    @rx.var
    def page_title(self) -> str:
        """Browser title, e.g. "Acme Kundenportal"; neutral when no tenant matched."""
        if self.tenant_status != "found":
            return i18n.translate("tenant_missing.title", self.lang) if self.tenant_status == "missing" else ""
        return i18n.translate("app.title", self.lang, org=self.org_name)

    def _page_host(self) -> str:
        # The page's own URL names the tenant; the websocket's Host header may not.
        return self.router.url.netloc

    def _copy_language(self) -> None:
        """Copy the current language into a page state (see PageLanguage). Other states have no copy."""
        if isinstance(self, PageLanguage) and self._page_lang != self.lang:
            self._page_lang = self.lang

    async def _switch_language(self, language: str) -> None:
        """Set the UI language and copy it into every page state, whichever page is showing."""
        self.lang = i18n.normalize_language(language)
        for state_class in page_state_classes():
            page = await self.get_state(state_class)
            page._copy_language()

    def _set_changed(self, **values: object) -> None:
        """Assign only the vars whose value differs, so an unchanged brand sends no update."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _load_tenant(self) -> Plan | None:
        """Resolve the plan from the page host and publish its brand to the page."""
        self._copy_language()
        with open_session() as session:
            found = tenancy.resolve_plan_cached(session, host=self._page_host(), base_domain=get_settings().base_domain)
        if found is None:
            self._clear_tenant()
            return None
        plan, org = found
        self._apply_brand(plan, org)
        return plan

    def _apply_brand(self, plan: Plan, org: Org) -> None:
        brand = branding.Brand.of_plan(plan)
        self._set_changed(
            _plan_id=plan.id,
            _org_id=org.id,
            tenant_status="found",
            org_name=org.name,
            plan_name=plan.name,
            logo_url=org.logo,
            font_stylesheet_url=plan.font_stylesheet_url,
            theme_vars=branding.css_variables(brand),
            support_email=org.support_email,
            support_phone=org.support_phone,
            support_hours=org.support_hours,
            support_url=org.support_url,
        )

    def _clear_tenant(self) -> None:
        self._plan_id = None
        self._org_id = None
        self.tenant_status = "missing"
        self.org_name = ""
        self.plan_name = ""
        self.logo_url = ""
        self.font_stylesheet_url = ""
        self.theme_vars = {}
        self.support_email = ""
        self.support_phone = ""
        self.support_hours = ""
        self.support_url = ""

    @rx.event
    def load_tenant(self):
        """Resolve the tenant for pages that need no sign-in."""
        self._load_tenant()

    @rx.event
    async def set_language(self, language: str):
        """Switch the UI language and remember it in the browser."""
        await self._switch_language(language)

    @rx.event
    def go_home(self):
        """Send visitors of a tenant's bare address to the overview, which redirects to sign-in."""
        if self._load_tenant() is not None:
            return rx.redirect("/overview", replace=True)
