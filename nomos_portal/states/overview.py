"""The first signed-in page: the customer, the plan and the chosen subscription."""

from __future__ import annotations

import logging

import reflex as rx

from nomos_portal import i18n
from nomos_portal.db import open_session
from nomos_portal.services import customers
from nomos_portal.states.auth import AuthState

logger = logging.getLogger(__name__)


class OverviewState(AuthState):
    """Data of `/overview`, loaded from the database on every visit."""

    _summary: customers.SubscriptionSummary | None = None

    @rx.event
    def load(self):
        """Check the session, then load the chosen subscription."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            self._summary = None
            return redirect
        assert active.subscription_id is not None
        with open_session() as session:
            subscription = customers.owned_subscription(
                session,
                plan_id=active.plan_id,
                customer_id=active.customer_id,
                subscription_id=active.subscription_id,
            )
            self._summary = customers.summarize(subscription)

    @rx.var
    def greeting(self) -> str:
        """E.g. "Willkommen, Anna Schmidt"."""
        return i18n.translate("overview.greeting", self.lang, name=self.customer_name) if self.customer_name else ""

    @rx.var
    def subscription_number(self) -> str:
        """The chosen subscription's contract number."""
        return self._summary.number if self._summary else ""

    @rx.var
    def status_label(self) -> str:
        """The subscription status in words."""
        return i18n.translate(f"status.{self._summary.status}", self.lang) if self._summary else ""

    @rx.var
    def status(self) -> str:
        """The raw status, "pending", "active" or "ended", for the badge colour."""
        return self._summary.status if self._summary else ""

    @rx.var
    def contract_rows(self) -> list[list[str]]:
        """Label and value pairs describing the contract."""
        summary = self._summary
        if summary is None:
            return []
        lang = self.lang
        missing = i18n.translate("overview.not_set", lang)
        rows = [
            [i18n.translate("overview.plan", lang), self.plan_name],
            [i18n.translate("overview.number", lang), summary.number],
            [i18n.translate("overview.status", lang), self.status_label],
            [
                i18n.translate("overview.start", lang),
                i18n.format_day(summary.start_at, lang) if summary.start_at else missing,
            ],
        ]
        if summary.end_at:
            rows.append([i18n.translate("overview.end", lang), i18n.format_day(summary.end_at, lang)])
        rows.append(
            [
                i18n.translate("overview.estimated_usage", lang),
                f"{i18n.format_number(summary.estimated_usage, lang)} kWh",
            ]
        )
        return rows

    @rx.var
    def address_lines(self) -> list[str]:
        """The delivery address as two lines."""
        summary = self._summary
        if summary is None:
            return []
        return [f"{summary.street} {summary.house_number}", f"{summary.zip} {summary.city}"]

    @rx.var
    def meter_rows(self) -> list[list[str]]:
        """Label and value pairs describing the meter."""
        summary = self._summary
        if summary is None:
            return []
        lang = self.lang
        missing = i18n.translate("overview.not_set", lang)
        return [
            [i18n.translate("overview.meter_number", lang), summary.meter_number or missing],
            [i18n.translate("overview.meter_type", lang), i18n.translate(f"meter.{summary.meter_type}", lang)],
            [i18n.translate("overview.malo", lang), summary.malo or missing],
            [i18n.translate("overview.melo", lang), summary.melo or missing],
        ]
