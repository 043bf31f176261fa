"""`/consumption`: meter data against price per day, week, month or year, and meter readings."""

from __future__ import annotations

import datetime
import logging
import secrets
from decimal import Decimal
from typing import Any

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.services import consumption, consumption_days, pricing, readings, spot_prices
from nomos_portal.services.spot_prices import BERLIN, berlin_date
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)

STATE_KEYS = ("final", "preliminary", "substitute")


def bar_label(bar: consumption.Bar, view: str, language: str) -> str:
    """X-axis label of a bar: clock time, weekday and date, day of month or month name."""
    local = bar.start.tz_convert(BERLIN)
    if view == "day":
        return i18n.format_clock(local.to_pydatetime())
    if view == "week":
        return i18n.format_weekday(local.date(), language)
    if view == "month":
        return f"{local.day:02d}."
    return i18n.format_month_short(local.date(), language)


# Days the period navigation may show; dates near the calendar's ends would overflow the period arithmetic.
EARLIEST_BROWSABLE_DAY = datetime.date(2000, 1, 1)
BROWSABLE_DAYS_AHEAD = 366


def _is_browsable(day: datetime.date) -> bool:
    return EARLIEST_BROWSABLE_DAY <= day <= berlin_date(clock.now()) + datetime.timedelta(days=BROWSABLE_DAYS_AHEAD)


class ConsumptionState(PageLanguage, AuthState):
    """Chart period, bars and the meter-reading form of the signed-in customer."""

    view: str = "day"
    # ISO date of a day inside the shown period.
    anchor: str = ""
    is_smart: bool = False
    reading_date: str = ""
    reading_error_key: str = ""
    reading_error_params: dict[str, str] = {}
    reading_needs_confirmation: bool = False
    reading_saved_text: str = ""
    # A new id per shown form, so a doubled or retried submit stores one reading.
    submission_id: str = ""

    _bars: list[consumption.Bar] = []
    _rows: list[readings.ReadingRow] = []
    _pending_form: dict[str, str] = {}

    @rx.event
    def load(self):
        """Check the session and show yesterday's day view (smart meters) or the readings."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            return redirect
        yesterday = berlin_date(clock.now()) - datetime.timedelta(days=1)
        if not self.anchor:
            self.anchor = yesterday.isoformat()
        self.reading_date = berlin_date(clock.now()).isoformat()
        self.submission_id = secrets.token_urlsafe(16)
        self.reading_error_key = ""
        self.reading_needs_confirmation = False
        self.reading_saved_text = ""
        self._refresh()

    def _refresh(self) -> None:
        period = consumption.period_for(self.view, datetime.date.fromisoformat(self.anchor))
        with open_session() as session:
            subscription, plan = self._owned_subscription_and_plan(session)
            self.is_smart = subscription.meter_type == "smart"
            if get_settings().demo_mode:
                # Replay prices only where the contract supplied power, up to today.
                today = berlin_date(clock.now())
                first = max(period.start, berlin_date(subscription.start_at or clock.now()))
                last = min(period.end - datetime.timedelta(days=1), today)
                days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
                spot_prices.ensure_demo_prices(session, days=days, now=clock.now())
            stored_readings = readings.list_readings(session, subscription_id=subscription.id)
            self._rows = readings.reading_rows(stored_readings)
            if not self.is_smart:
                # Analog meters: daily values spread between readings; a single day cannot be split.
                if self.view == "day":
                    self.view = "month"
                    period = consumption.period_for(self.view, period.start)
                daily = consumption.interpolated_days(stored_readings, period=period)
                self._bars = consumption.aggregate(daily, consumption.pd.Series(dtype=float), period=period)
                return
            if self.view != "day":
                self._bars = consumption_days.aggregate(session, plan=plan, subscription=subscription, period=period)
                return
            intervals = consumption.load_intervals(session, subscription_id=subscription.id, period=period)
            try:
                prices = consumption.load_prices_ct(session, plan=plan, subscription=subscription, period=period)
            except pricing.MissingComponentError:
                logger.exception("Price components missing for subscription %s", subscription.id)
                prices = consumption.pd.Series(dtype=float)
            self._bars = consumption.aggregate(intervals, prices, period=period)

    @rx.event
    def set_view(self, view: str | list[str]):
        """Switch between day, week, month and year; analog meters have no day view."""
        if view in consumption.VIEWS and (self.is_smart or view != "day"):
            self.view = view
            self._refresh()

    @rx.event
    def shift(self, steps: int):
        """Show the previous (-1) or next (+1) period; larger steps count as one, and the calendar's ends stop it."""
        try:
            direction = max(-1, min(1, int(steps)))
            period = consumption.shift_period(
                consumption.period_for(self.view, datetime.date.fromisoformat(self.anchor)), direction
            )
        except (TypeError, ValueError, OverflowError):
            return
        if not _is_browsable(period.start):
            return
        self.anchor = period.start.isoformat()
        self._refresh()

    @rx.event
    def pick_date(self, value: str):
        """Show the period that contains a picked date; an invalid date changes nothing."""
        try:
            day = datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return
        if not _is_browsable(day):
            return
        self.anchor = day.isoformat()
        self._refresh()

    @rx.var
    def period_label(self) -> str:
        """The shown period in words, e.g. "02.12.2026" or "Dezember 2026"."""
        if not self.anchor:
            return ""
        period = consumption.period_for(self.view, datetime.date.fromisoformat(self.anchor))
        if self.view == "day":
            return i18n.format_day(period.start, self._page_lang)
        if self.view == "month":
            return i18n.format_month(period.start, self._page_lang)
        if self.view == "year":
            return str(period.start.year)
        last = period.end - datetime.timedelta(days=1)
        return f"{i18n.format_day(period.start, self._page_lang)} – {i18n.format_day(last, self._page_lang)}"

    @rx.var
    def chart_rows(self) -> list[dict[str, Any]]:
        """One row per bar: kWh split by data state (for the stacked legend), price and formatted labels."""
        rows = []
        for bar in self._bars:
            row: dict[str, Any] = {"label": bar_label(bar, self.view, self._page_lang), "price": None}
            for state in STATE_KEYS:
                row[state] = bar.energy_kwh if bar.state == state else None
                row[f"{state}_label"] = ""
            if bar.energy_kwh is not None and bar.state in STATE_KEYS:
                text = i18n.format_kwh(Decimal(repr(bar.energy_kwh)), self._page_lang, digits=3)
                if bar.cost_eur is not None:
                    text += f" · {i18n.format_eur(Decimal(repr(round(bar.cost_eur, 2))), self._page_lang)}"
                if self.view != "day" and bar.min_kwh is not None and bar.max_kwh is not None and self.is_smart:
                    text += " · " + i18n.translate(
                        "consumption.range",
                        self._page_lang,
                        low=i18n.format_kwh(Decimal(repr(bar.min_kwh)), self._page_lang, digits=3),
                        high=i18n.format_kwh(Decimal(repr(bar.max_kwh)), self._page_lang, digits=3),
                    )
                row[f"{bar.state}_label"] = text
            if bar.price_ct_per_kwh is not None:
                rounded = round(bar.price_ct_per_kwh, 2)
                row["price"] = rounded
                row["price_label"] = i18n.format_ct_per_kwh(Decimal(repr(rounded)), self._page_lang)
            rows.append(row)
        return rows

    @rx.var
    def has_data(self) -> bool:
        """Whether any bar of the period has meter values."""
        return any(bar.energy_kwh is not None for bar in self._bars)

    @rx.var
    def total_text(self) -> str:
        """Sum of consumption and cost of the shown period."""
        if not any(bar.energy_kwh is not None for bar in self._bars):
            return ""
        kwh = consumption.total_kwh(self._bars)
        costs = [bar.cost_eur for bar in self._bars if bar.cost_eur is not None]
        if not costs:
            return i18n.translate(
                "consumption.total_no_price", self._page_lang, kwh=i18n.format_kwh(kwh, self._page_lang, 3)
            )
        cost = Decimal(repr(sum(costs))).quantize(Decimal("0.01"))
        priced_kwh = sum(bar.energy_kwh or 0 for bar in self._bars if bar.cost_eur is not None)
        average = Decimal(repr(sum(costs) * 100 / priced_kwh)) if priced_kwh else Decimal(0)
        return i18n.translate(
            "consumption.total",
            self._page_lang,
            kwh=i18n.format_kwh(kwh, self._page_lang, 3),
            cost=i18n.format_eur(cost, self._page_lang),
            price=i18n.format_ct_per_kwh(pricing.round_ct(average), self._page_lang),
        )

    @rx.var
    def state_names(self) -> dict[str, str]:
        """Legend names of the data states in the UI language."""
        return {state: i18n.translate(f"state.{state}", self._page_lang) for state in STATE_KEYS}

    @rx.event
    def export(self):
        """Download the shown period as CSV."""
        text = consumption.export_csv(self._bars, language=self._page_lang)
        period = consumption.period_for(self.view, datetime.date.fromisoformat(self.anchor))
        return rx.download(data=text.encode("utf-8"), filename=f"verbrauch-{self.view}-{period.start.isoformat()}.csv")

    # -- meter readings ---------------------------------------------------------

    @rx.var
    def reading_lines(self) -> list[list[str]]:
        """Readings, newest first: the reading and the consumption since the previous one."""
        lines = []
        for row in self._rows:
            head = i18n.translate(
                "consumption.reading_row",
                self._page_lang,
                day=i18n.format_day(row.read_at, self._page_lang),
                value=i18n.format_kwh(row.value_kwh, self._page_lang),
                source=i18n.translate(f"reading_source.{row.source}", self._page_lang),
            )
            between = ""
            if row.consumption_kwh is not None and row.days:
                between = i18n.translate(
                    "consumption.reading_between",
                    self._page_lang,
                    kwh=i18n.format_kwh(row.consumption_kwh, self._page_lang),
                    days=row.days,
                )
            lines.append([head, between, row.note])
        return lines

    @rx.var
    def reading_error(self) -> str:
        """The current reading error or question in the UI language."""
        if not self.reading_error_key:
            return ""
        return i18n.translate(f"reading_error.{self.reading_error_key}", self._page_lang, **self.reading_error_params)

    def _format_details(self, details: dict[str, object]) -> dict[str, str]:
        formatted = {}
        for name, value in details.items():
            if isinstance(value, datetime.date):
                formatted[name] = i18n.format_day(value, self._page_lang)
            elif isinstance(value, Decimal) and name != "maximum":
                formatted[name] = i18n.format_kwh(value, self._page_lang)
            else:
                formatted[name] = str(value)
        return formatted

    @rx.event
    def submit_reading(self, form_data: dict):
        """Validate and store a reading; soft problems ask for confirmation first."""
        self._store_reading(dict(form_data), confirmed=False)

    @rx.event
    def confirm_reading(self):
        """Store the reading that needed confirmation."""
        self._store_reading(dict(self._pending_form), confirmed=True)

    def _store_reading(self, form: dict, *, confirmed: bool) -> None:
        active, redirect = self._require_sign_in()
        if active is None or redirect is not None:
            return
        self.reading_error_key = ""
        self.reading_saved_text = ""
        self.reading_needs_confirmation = False
        try:
            read_on = datetime.date.fromisoformat(str(form.get("reading_date", "")))
        except ValueError:
            self.reading_error_key = "invalid_date"
            return
        try:
            value = readings.parse_value(str(form.get("reading_value", "")), language=self._page_lang)
            with open_session() as session:
                subscription, _plan = self._owned_subscription_and_plan(session)
                readings.submit_reading(
                    session,
                    subscription=subscription,
                    read_on=read_on,
                    value_kwh=value,
                    note=str(form.get("reading_note", "")),
                    submission_id=self.submission_id,
                    now=clock.now(),
                    confirmed=confirmed,
                )
        except readings.ConfirmationNeeded as question:
            self.reading_error_key = question.code
            self.reading_error_params = self._format_details(question.details)
            self.reading_needs_confirmation = True
            self._pending_form = {key: str(value) for key, value in form.items()}
            return
        except readings.ReadingError as error:
            self.reading_error_key = error.code
            self.reading_error_params = self._format_details(error.details)
            return
        self.reading_saved_text = i18n.translate(
            "consumption.reading_saved", self._page_lang, day=i18n.format_day(read_on, self._page_lang)
        )
        self.submission_id = secrets.token_urlsafe(16)
        self._pending_form = {}
        self._refresh()
