"""Choosing which of several subscriptions the portal shows."""

from __future__ import annotations

import urllib.parse

import reflex as rx

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.services import sessions
from nomos_portal.states.auth import AuthState, safe_next_path
from nomos_portal.states.portal import PageLanguage


class SubscriptionsState(PageLanguage, AuthState):
    """The customer's subscriptions on this plan, for `/subscriptions`."""

    # One dict per subscription: id, number, address, status label, chosen ("1" or "").
    choices: list[dict[str, str]] = []
    error_key: str = ""

    @rx.var
    def error_message(self) -> str:
        """The current error in the UI language, or ""."""
        return i18n.translate(self.error_key, self._page_lang) if self.error_key else ""

    @rx.event
    def load(self):
        """List the subscriptions of the signed-in customer."""
        active, redirect = self._require_sign_in(need_subscription=False)
        if redirect is not None or active is None:
            self.choices = []
            return redirect
        self.error_key = ""
        with open_session() as session:
            rows = sessions.list_subscriptions(session, plan_id=active.plan_id, customer_id=active.customer_id)
        self.choices = [
            {
                "id": str(row.id),
                "number": row.number,
                "address": f"{row.address_street} {row.address_house_number}, {row.address_zip} {row.address_city}",
                "status": row.status,
                "chosen": "1" if row.id == active.subscription_id else "",
            }
            for row in rows
        ]

    @rx.event
    def choose(self, subscription_id: str):
        """Make a subscription the current one and continue to the requested page."""
        active, redirect = self._require_sign_in(need_subscription=False)
        if redirect is not None or active is None:
            return redirect
        try:
            with open_session() as session:
                sessions.choose_subscription(session, active=active, subscription_id=int(subscription_id))
        except (TypeError, ValueError, sessions.SubscriptionNotFoundError):
            self.error_key = "error.subscription_not_found"
            return
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(self.router.url)).query)
        return rx.redirect(safe_next_path((query.get("next") or [""])[0]))
