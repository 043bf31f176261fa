"""`/orders`: the chosen contract's smart-meter order and its add-on products."""

from __future__ import annotations

import logging

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.services import orders
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)


class OrdersState(PageLanguage, AuthState):
    """Smart-meter order, the order form and the add-on products of the chosen subscription."""

    meter_type: str = ""
    meter_number: str = ""
    can_order: bool = False
    # True while the customer looks at the order's confirmation question.
    confirming: bool = False
    just_ordered: bool = False
    order_error_key: str = ""

    _order: orders.MeterOrderView | None = None
    _products: list[orders.ProductView] = []

    @rx.event
    def load(self):
        """Check the session, then load the order and products of the chosen subscription."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            self._order = None
            self._products = []
            return redirect
        self.confirming = False
        self.just_ordered = False
        self.order_error_key = ""
        self._refresh()

    def _refresh(self) -> None:
        with open_session() as session:
            subscription, plan = self._owned_subscription_and_plan(session)
            assert subscription.id is not None
            self.meter_type = subscription.meter_type
            self.meter_number = subscription.meter_number
            self._order = orders.latest_meter_order(session, subscription_id=subscription.id)
            self._products = orders.list_products(session, subscription_id=subscription.id)
            self.can_order = orders.can_order_smart_meter(session, plan=plan, subscription=subscription)

    @rx.event
    def start_order(self):
        """Show the confirmation question of a smart-meter order."""
        self.order_error_key = ""
        self.confirming = self.can_order

    @rx.event
    def cancel_order(self):
        """Close the confirmation question without ordering."""
        self.confirming = False

    @rx.event
    def confirm_order(self):
        """Order a smart meter for the chosen subscription."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        self.confirming = False
        try:
            with open_session() as session:
                subscription, plan = self._owned_subscription_and_plan(session)
                orders.order_smart_meter(session, plan=plan, subscription=subscription, now=clock.now())
        except orders.OrderError as error:
            logger.info("Smart meter order for subscription %s rejected: %s", self._subscription_id, error.code)
            self.order_error_key = error.code
            self._refresh()
            return
        self.just_ordered = True
        self._refresh()

    @rx.var
    def has_order(self) -> bool:
        """Whether there is a smart-meter order to show."""
        return self._order is not None

    @rx.var
    def order_status(self) -> str:
        """The raw status of the order, or ""."""
        return self._order.status if self._order else ""

    @rx.var
    def order_status_label(self) -> str:
        """The order's status in words."""
        return i18n.translate(f"orders.status.{self._order.status}", self._page_lang) if self._order else ""

    @rx.var
    def timeline_rows(self) -> list[dict[str, str]]:
        """The rollout steps: key, label, explanation and "done", "current" or "upcoming"."""
        if self._order is None or self._order.status == "cancelled":
            return []
        return [
            {
                "status": step.status,
                "label": i18n.translate(f"orders.status.{step.status}", self._page_lang),
                "text": i18n.translate(f"orders.step.{step.status}", self._page_lang),
                "state": step.state,
            }
            for step in orders.timeline(self._order.status)
        ]

    @rx.var
    def order_facts(self) -> list[str]:
        """Order date, provider, appointment and target lead time, one line each."""
        order = self._order
        if order is None:
            return []
        lang = self._page_lang
        lines = [i18n.translate("orders.ordered_on", lang, date=i18n.format_day(order.created_at, lang))]
        if order.provider:
            lines.append(i18n.translate("orders.provider", lang, provider=order.provider))
        else:
            lines.append(i18n.translate("orders.provider_unknown", lang))
        if order.appointment_at is not None and order.status == "scheduled":
            day = i18n.format_day(order.appointment_at, lang)
            time = i18n.format_clock(order.appointment_at)
            lines.append(i18n.translate("orders.appointment", lang, day=day, time=time))
        if order.status in ("created", "placed", "check_submitted", "check_reviewed", "scheduled"):
            lines.append(i18n.translate("orders.lead_time", lang, date=i18n.format_day(order.target_date, lang)))
        return lines

    @rx.var
    def blocked_text(self) -> str:
        """Why the order waits and what the customer can do, or ""."""
        order = self._order
        if order is None or order.blocked_reason is None or order.status in ("cancelled", "activated"):
            return ""
        return i18n.translate(f"orders.blocked.{order.blocked_reason}", self._page_lang)

    @rx.var
    def blocked_needs_customer(self) -> bool:
        """Whether the customer can unblock the order by sending the installation check."""
        return bool(self._order and self._order.blocked_reason == "check_missing")

    @rx.var
    def cancelled_text(self) -> str:
        """The cancellation and its reason, for a cancelled order."""
        order = self._order
        if order is None or order.status != "cancelled":
            return ""
        if not order.cancelled_reason:
            return i18n.translate("orders.cancelled_no_reason", self._page_lang)
        return i18n.translate("orders.cancelled", self._page_lang, reason=order.cancelled_reason)

    @rx.var
    def confirm_text(self) -> str:
        """The confirmation question, naming the meter."""
        return i18n.translate("orders.confirm_text", self._page_lang, meter=self.meter_number)

    @rx.var
    def order_error(self) -> str:
        """The reason an order was rejected, or ""."""
        return i18n.translate(f"order_error.{self.order_error_key}", self._page_lang) if self.order_error_key else ""

    @rx.var
    def product_rows(self) -> list[dict[str, str]]:
        """Add-on products: name, status, validity, explanation and saving."""
        lang = self._page_lang
        catalog = i18n.catalog(lang)
        rows = []
        for product in self._products:
            name = catalog.get(f"product.{product.product_code}.name", product.name or product.product_code)
            if product.valid_from and product.valid_until:
                validity = i18n.translate(
                    "orders.valid_range",
                    lang,
                    start=i18n.format_day(product.valid_from, lang),
                    end=i18n.format_day(product.valid_until, lang),
                )
            elif product.valid_from:
                validity = i18n.translate("orders.valid_from", lang, start=i18n.format_day(product.valid_from, lang))
            else:
                validity = ""
            amount = ""
            if product.saving_eur_per_year is not None:
                amount = i18n.translate(
                    "orders.saving_amount", lang, amount=i18n.format_eur(product.saving_eur_per_year, lang)
                )
            rows.append(
                {
                    "code": product.product_code,
                    "name": name,
                    "status": product.status,
                    "status_label": i18n.translate(f"product_status.{product.status}", lang),
                    "validity": validity,
                    "explanation": catalog.get(f"product.{product.product_code}.saving", ""),
                    "saving": amount,
                }
            )
        return rows
