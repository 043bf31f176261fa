"""`/tariff`: what the customer pays, the contract's terms, cancellation and meter swap."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.models import Customer, GridArea, Plan
from nomos_portal.services import contracts, mail, pricing, readings, spot_prices
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)


def _ct(value: Decimal, language: str) -> str:
    return i18n.format_ct_per_kwh(pricing.round_ct(value), language)


class TariffState(PageLanguage, AuthState):
    """Price composition, contract facts and the two forms of the tariff page."""

    price_rows: list[list[str]] = []
    basic_rows: list[list[str]] = []
    contract_rows: list[list[str]] = []
    termination_text: str = ""
    has_pending_termination: bool = False
    no_spot_today: bool = False
    earliest_end_iso: str = ""

    # Cancellation form: "form", then "confirm" with the resulting end date shown.
    cancel_step: str = "form"
    cancel_question: str = ""
    message_key: str = ""
    message_params: dict[str, str] = {}
    message_is_error: bool = False
    swap_message_key: str = ""
    swap_message_params: dict[str, str] = {}
    swap_message_is_error: bool = False

    _cancel_form: dict[str, str] = {}

    @rx.var
    def message(self) -> str:
        """Result or error of the cancellation form in the UI language."""
        return i18n.translate(self.message_key, self._page_lang, **self.message_params) if self.message_key else ""

    @rx.var
    def end_date_label(self) -> str:
        """Label of the optional end date, naming the earliest possible one."""
        if not self.earliest_end_iso:
            return ""
        earliest = datetime.date.fromisoformat(self.earliest_end_iso)
        return i18n.translate("tariff.end_date", self._page_lang, earliest=i18n.format_day(earliest, self._page_lang))

    @rx.var
    def swap_message(self) -> str:
        """Result or error of the meter-swap form in the UI language."""
        if not self.swap_message_key:
            return ""
        return i18n.translate(self.swap_message_key, self._page_lang, **self.swap_message_params)

    def _context(self, session):
        subscription, plan = self._owned_subscription_and_plan(session)
        return plan, subscription

    @rx.event
    def load(self):
        """Check the session and show prices and contract facts."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        self.cancel_step = "form"
        self.message_key = ""
        self.swap_message_key = ""
        self._refresh()

    def _refresh(self) -> None:
        lang = self._page_lang
        now = clock.now()
        today = spot_prices.berlin_date(now)
        with open_session() as session:
            plan, subscription = self._context(session)
            if get_settings().demo_mode:
                spot_prices.ensure_demo_prices(session, days=[today], now=now)
            spot = [p.price_eur_per_mwh for p in spot_prices.prices_for_day(session, day=today) if p.price_eur_per_mwh]
            grid = session.get(GridArea, subscription.grid_area_id) if subscription.grid_area_id else None
            try:
                components = pricing.components_for(session, plan=plan, subscription=subscription, day=today)
            except pricing.MissingComponentError:
                logger.exception("Price components missing for subscription %s", subscription.id)
                components = None
            terms = contracts.terms_for(plan, subscription)
            pending = contracts.pending_termination(session, subscription_id=subscription.id)

        self.no_spot_today = not spot
        average_spot = sum(spot) / len(spot) if spot else None
        self.price_rows = self._price_rows(components, average_spot) if components else []
        self.basic_rows = self._basic_rows(plan, grid)
        earliest = contracts.earliest_end(terms, today=today)
        self.earliest_end_iso = earliest.isoformat()
        notice = i18n.translate(f"tariff.notice_value.{terms.notice_period_unit}", lang, count=terms.notice_period) + (
            f" {i18n.translate('tariff.to_month_end', lang)}" if terms.to_month_end else ""
        )
        self.contract_rows = [
            [i18n.translate("overview.plan", lang), plan.name],
            [i18n.translate("overview.number", lang), subscription.number],
            [i18n.translate("overview.start", lang), i18n.format_day(terms.start, lang)],
            [
                i18n.translate("tariff.minimum_term", lang),
                i18n.translate(
                    "tariff.minimum_term_value",
                    lang,
                    months=terms.minimum_term_months,
                    end=i18n.format_day(contracts.minimum_term_end(terms) - datetime.timedelta(days=1), lang),
                ),
            ],
            [i18n.translate("tariff.notice", lang), notice],
            [
                i18n.translate("tariff.earliest_end", lang),
                i18n.translate(
                    "tariff.last_day", lang, day=i18n.format_day(earliest - datetime.timedelta(days=1), lang)
                ),
            ],
            [i18n.translate("overview.meter_number", lang), subscription.meter_number or "–"],
            [i18n.translate("overview.meter_type", lang), i18n.translate(f"meter.{subscription.meter_type}", lang)],
            [i18n.translate("overview.malo", lang), subscription.meter_malo or "–"],
            [i18n.translate("overview.melo", lang), subscription.meter_melo or "–"],
        ]
        self.has_pending_termination = pending is not None
        self.termination_text = ""
        if pending is not None:
            last_day = spot_prices.berlin_date(pending.intended_end_at) - datetime.timedelta(days=1)
            self.termination_text = i18n.translate(
                "tariff.cancellation_requested", lang, day=i18n.format_day(last_day, lang)
            )

    def _price_rows(self, components: pricing.PriceComponents, spot_eur_per_mwh: Decimal | None) -> list[list[str]]:
        lang = self._page_lang
        gross = Decimal(1) + components.vat_rate
        net_parts = [
            ("tariff.margin", components.procurement_margin_ct_per_kwh),
            ("tariff.grid_fee", components.grid_fee_ct_per_kwh),
            ("tariff.concession", components.concession_levy_ct_per_kwh),
            ("tariff.kwkg", components.kwkg_ct_per_kwh),
            ("tariff.stromnev", components.stromnev_19_ct_per_kwh),
            ("tariff.offshore", components.offshore_ct_per_kwh),
            ("tariff.electricity_tax", components.electricity_tax_ct_per_kwh),
        ]
        if spot_eur_per_mwh is not None:
            net_parts.insert(0, ("tariff.spot", pricing.eur_per_mwh_to_ct_per_kwh(spot_eur_per_mwh)))
        rows = [[i18n.translate(key, lang), _ct(value, lang), _ct(value * gross, lang)] for key, value in net_parts]
        net_total = sum((value for _key, value in net_parts), Decimal(0))
        if spot_eur_per_mwh is not None:
            composed = pricing.compose_price(spot_eur_per_mwh=spot_eur_per_mwh, components=components)
            assert composed is not None
            rows.append([i18n.translate("tariff.vat", lang), "", _ct(net_total * components.vat_rate, lang)])
            rows.append(
                [i18n.translate("tariff.total", lang), _ct(net_total, lang), _ct(composed.total_ct_per_kwh, lang)]
            )
        return rows

    def _basic_rows(self, plan: Plan, grid: GridArea | None) -> list[list[str]]:
        lang = self._page_lang
        vat = Decimal("1.19")
        rows = [
            [
                i18n.translate("tariff.base_fee", lang),
                f"{i18n.format_eur(plan.price, lang)} {i18n.translate('tariff.per_month', lang)}",
                f"{i18n.format_eur(plan.price * 12, lang)} {i18n.translate('tariff.per_year', lang)}",
            ]
        ]
        if grid is not None:
            yearly = (grid.grid_basic_fee_eur_per_year * vat).quantize(Decimal("0.01"))
            rows.append(
                [
                    i18n.translate("tariff.grid_basic_fee", lang),
                    f"{i18n.format_eur((yearly / 12).quantize(Decimal('0.01')), lang)} "
                    f"{i18n.translate('tariff.per_month', lang)}",
                    f"{i18n.format_eur(yearly, lang)} {i18n.translate('tariff.per_year', lang)}",
                ]
            )
        return rows

    # -- cancellation -------------------------------------------------------------

    def _show(self, key: str, *, error: bool, **params: object) -> None:
        self.message_key = key
        self.message_is_error = error
        self.message_params = {
            name: i18n.format_day(value, self._page_lang) if isinstance(value, datetime.date) else str(value)
            for name, value in params.items()
            if value is not None
        }

    def _parse_cancellation(self, form: dict[str, str]):
        reason = form.get("reason", "")
        if reason not in contracts.REASONS:
            raise contracts.ContractError("invalid_reason")
        field = "move_out_date" if reason == "MOVE_OUT" else "end_date"
        text = form.get(field, "").strip()
        requested = None
        if text and reason != "WITHDRAWAL":
            try:
                requested = datetime.date.fromisoformat(text)
            except ValueError:
                raise contracts.ContractError("invalid_date") from None
        address = None
        if reason == "MOVE_OUT":
            # Uncut: cutting could turn a too-long entry into a valid one; the patterns bound the lengths.
            address = contracts.validate_address(
                contracts.NewAddress(
                    form.get("street", ""), form.get("house_number", ""), form.get("zip", ""), form.get("city", "")
                )
            )
        return reason, requested, address

    @rx.event
    def check_cancellation(self, form_data: dict):
        """Validate the form and show the resulting end date for confirmation; nothing is stored yet."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        form = {key: str(value) for key, value in form_data.items()}
        self.message_key = ""
        try:
            reason, requested, _address = self._parse_cancellation(form)
            with open_session() as session:
                plan, subscription = self._context(session)
                if contracts.pending_termination(session, subscription_id=subscription.id) is not None:
                    raise contracts.ContractError("already_terminated")
                end = contracts.resolve_end(
                    contracts.terms_for(plan, subscription),
                    reason=reason,
                    today=spot_prices.berlin_date(clock.now()),
                    requested=requested,
                )
        except contracts.ContractError as error:
            self._show(f"contract_error.{error.code}", error=True, **error.details)
            return
        self._cancel_form = form
        self.cancel_question = i18n.translate(
            "tariff.confirm_question",
            self._page_lang,
            last_day=i18n.format_day(end - datetime.timedelta(days=1), self._page_lang),
            end=i18n.format_day(end, self._page_lang),
        )
        self.cancel_step = "confirm"

    @rx.event
    def back_to_form(self):
        """Leave the confirmation step without cancelling."""
        self.cancel_step = "form"

    @rx.event
    def confirm_cancellation(self):
        """Store the checked cancellation, update the contract and email a confirmation."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        now = clock.now()
        try:
            reason, requested, address = self._parse_cancellation(self._cancel_form)
            with open_session() as session:
                plan, subscription = self._context(session)
                termination = contracts.request_termination(
                    session,
                    plan=plan,
                    subscription=subscription,
                    reason=reason,
                    requested=requested,
                    new_address=address,
                    now=now,
                )
                customer = session.get(Customer, subscription.customer_id)
                number = subscription.number
        except contracts.ContractError as error:
            self.cancel_step = "form"
            self._show(f"contract_error.{error.code}", error=True, **error.details)
            return
        self.cancel_step = "form"
        self._cancel_form = {}
        self._show("tariff.cancelled", error=False)
        self._send_confirmation(customer, plan, number, termination)
        self._refresh()

    def _send_confirmation(self, customer: Customer, plan: Plan, number: str, termination) -> None:
        language = customer.locale
        last_day = spot_prices.berlin_date(termination.intended_end_at) - datetime.timedelta(days=1)
        message = mail.build_notice_mail(
            to=customer.email,
            subject=i18n.translate("mail.cancellation.subject", language, org=self.org_name),
            paragraphs=[
                i18n.translate(
                    "mail.cancellation.body",
                    language,
                    number=number,
                    reason=i18n.translate(f"tariff.reason.{termination.reason}", language),
                ),
                i18n.translate("mail.cancellation.end", language, last_day=i18n.format_day(last_day, language)),
                i18n.translate("mail.cancellation.withdraw", language),
            ],
            org_name=self.org_name,
            primary_color=plan.color_primary,
            language=language,
        )
        try:
            mail.send_mail(message, get_settings())
        except (mail.MailDeliveryError, OSError):
            logger.exception("Cancellation mail for subscription %s failed", termination.subscription_id)

    @rx.event
    def withdraw_cancellation(self):
        """Take back a pending cancellation."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        try:
            with open_session() as session:
                _plan, subscription = self._context(session)
                contracts.withdraw_termination(session, subscription=subscription, now=clock.now())
        except contracts.ContractError as error:
            self._show(f"contract_error.{error.code}", error=True)
            return
        self._show("tariff.withdrawn", error=False)
        self._refresh()

    # -- meter swap -------------------------------------------------------------

    @rx.event
    def report_swap(self, form_data: dict):
        """Record a meter swap; readings continue on the new meter."""
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return redirect
        form = {key: str(value) for key, value in form_data.items()}
        self.swap_message_key = ""
        try:
            try:
                swapped_on = datetime.date.fromisoformat(form.get("swap_date", ""))
            except ValueError:
                raise contracts.ContractError("invalid_date") from None
            try:
                old_final = readings.parse_value(form.get("old_final_reading", ""), language=self._page_lang)
                new_start = readings.parse_value(form.get("new_start_reading", ""), language=self._page_lang)
            except readings.ReadingError:
                raise contracts.ContractError("invalid_reading") from None
            with open_session() as session:
                _plan, subscription = self._context(session)
                swap = contracts.report_meter_swap(
                    session,
                    subscription=subscription,
                    swapped_on=swapped_on,
                    old_final_reading_kwh=old_final,
                    new_meter_number=form.get("new_meter_number", ""),
                    new_start_reading_kwh=new_start,
                    now=clock.now(),
                )
        except contracts.ContractError as error:
            self.swap_message_key = f"contract_error.{error.code}"
            self.swap_message_params = {
                name: i18n.format_kwh(value, self._page_lang) if isinstance(value, Decimal) else str(value)
                for name, value in error.details.items()
            }
            self.swap_message_is_error = True
            return
        self.swap_message_key = "tariff.swap_saved"
        self.swap_message_params = {"number": swap.new_meter_number}
        self.swap_message_is_error = False
        self._refresh()
