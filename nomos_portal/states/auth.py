"""Signed-in state shared by every protected page: who the customer is and which subscription they see."""

from __future__ import annotations

import json
import logging
import urllib.parse

import reflex as rx

from nomos_portal.db import open_session
from nomos_portal.models import Customer, Plan, Subscription, utc_now
from nomos_portal.services import customers, sessions
from nomos_portal.states.portal import PortalState

logger = logging.getLogger(__name__)

LOGIN_ROUTE = "/login"
HOME_ROUTE = "/overview"
SUBSCRIPTIONS_ROUTE = "/subscriptions"


def safe_next_path(value: str | None, default: str = HOME_ROUTE) -> str:
    """Accept only a local path as a post-sign-in target, so no link can send customers elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 32 for ch in value) or value.startswith(LOGIN_ROUTE):
        return default
    return value


def backend_origin(page_url: str, websocket_host: str) -> str:
    """Origin of the backend's HTTP routes as seen from the page.

    The page's host name keeps the tenant (cookies are per host), and the
    websocket's port names the backend server: port 8000 beside Vite's 3000
    in development, the page's own port behind a production proxy.
    """
    page = urllib.parse.urlsplit(page_url)
    port = websocket_host.rpartition(":")[2] if ":" in websocket_host.strip("[]") else ""
    netloc = page.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if port.isdigit():
        netloc = f"{netloc}:{port}"
    return f"{page.scheme or 'http'}://{netloc}"


def navigate_to(url: str) -> rx.event.EventSpec:
    """Load a URL as a full page, so the server sees the request and its cookies."""
    return rx.call_script(f"window.location.assign({json.dumps(url)})")


class AuthState(PortalState):
    """The signed-in customer of the current tab, checked on every page load."""

    signed_in: bool = False
    customer_name: str = ""
    subscription_count: int = 0

    _customer_id: int | None = None
    _session_id: int | None = None
    _subscription_id: int | None = None

    def _authenticate(self) -> sessions.ActiveSession | None:
        """Resolve the tenant and the session cookie of this tab's websocket."""
        plan = self._load_tenant()
        found = None
        if plan is not None:
            token = sessions.read_cookie(self.router.headers.cookie)
            with open_session() as session:
                found = sessions.load_signed_in(session, token=token, plan=plan, now=utc_now())
        if found is None:
            self._forget_customer()
            return None
        active = found.active
        self._set_changed(
            signed_in=True,
            _customer_id=active.customer_id,
            _session_id=active.session_id,
            _subscription_id=active.subscription_id,
            customer_name=display_name(found.customer),
            subscription_count=found.subscription_count,
        )
        return active

    def _owned_subscription_and_plan(self, session) -> tuple[Subscription, Plan]:
        """Load the signed-in customer's current subscription and its plan, scoped to this tenant.

        Call only after `_require_sign_in` returned a session with a subscription.

        Raises:
            customers.NotFoundError: The subscription is no longer the customer's on this plan.
        """
        assert self._plan_id is not None
        assert self._customer_id is not None
        assert self._subscription_id is not None
        subscription = customers.owned_subscription(
            session, plan_id=self._plan_id, customer_id=self._customer_id, subscription_id=self._subscription_id
        )
        plan = session.get(Plan, self._plan_id)
        assert plan is not None
        return subscription, plan

    def _forget_customer(self) -> None:
        self._set_changed(
            signed_in=False,
            customer_name="",
            subscription_count=0,
            _customer_id=None,
            _session_id=None,
            _subscription_id=None,
        )

    def _current_path(self) -> str:
        url = urllib.parse.urlsplit(str(self.router.url))
        return url.path + (f"?{url.query}" if url.query else "")

    def _require_sign_in(self, *, need_subscription: bool = True):
        """Return the session, or the redirect a signed-out visitor gets instead.

        Returns:
            A tuple of the active session (None when signed out) and an event
            to return from the handler (None when the page may render).
        """
        active = self._authenticate()
        if self.tenant_status != "found":
            return None, None
        if active is None:
            target = urllib.parse.quote(self._current_path(), safe="/")
            return None, rx.redirect(f"{LOGIN_ROUTE}?next={target}", replace=True)
        if need_subscription and active.subscription_id is None:
            target = urllib.parse.quote(self._current_path(), safe="/")
            return None, rx.redirect(f"{SUBSCRIPTIONS_ROUTE}?next={target}", replace=True)
        return active, None

    @rx.event
    def sign_out(self):
        """Revoke the session server-side, then let the cookie route delete the cookie."""
        token = sessions.read_cookie(self.router.headers.cookie)
        with open_session() as session:
            sessions.revoke_session(session, token=token, now=utc_now())
        self._forget_customer()
        page_port = urllib.parse.urlsplit(str(self.router.url)).port
        origin = backend_origin(str(self.router.url), self.router.headers.host)
        query = f"?port={page_port}" if page_port else ""
        return navigate_to(f"{origin}/auth/sign-out{query}")

    @rx.event
    async def change_language(self, language: str):
        """Switch the UI language and, when signed in, the language of the customer's emails."""
        await self._switch_language(language)
        if self._customer_id is None:
            return
        with open_session() as session:
            customer = session.get(Customer, self._customer_id)
            if customer is not None and customer.locale != self.lang:
                customer.locale = self.lang
                session.add(customer)
                session.commit()


def display_name(customer: Customer) -> str:
    """The name to greet a customer with: the company for companies, else first and last name."""
    if customer.type == "company" and customer.company_name:
        return customer.company_name
    return f"{customer.first_name} {customer.last_name}".strip() or customer.email
