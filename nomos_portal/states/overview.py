"""The first signed-in page: the customer, the plan and the chosen subscription."""

from __future__ import annotations

import datetime
import logging

import reflex as rx

from nomos_portal import clock, i18n
from nomos_portal.db import open_session
from nomos_portal.models import Plan
from nomos_portal.services import bill_estimate, customers, dashboard, metering, pricing, spot_prices
from nomos_portal.settings import get_settings
from nomos_portal.states import dashboard_view
from nomos_portal.states.auth import AuthState
from nomos_portal.states.portal import PageLanguage

logger = logging.getLogger(__name__)


class OverviewState(PageLanguage, AuthState):
    """Data of `/overview`, loaded from the database on every visit."""

    _summary: customers.SubscriptionSummary | None = None
    # Prices of "today" and "tomorrow", and the moment they were loaded.
    _days: dict[str, dashboard.DayPrices] = {}
    _loaded_at: datetime.datetime | None = None
    # The cheapest and the dearest hour per price tab, and the best windows ahead, found once per load.
    _hour_windows: dict[str, tuple[spot_prices.PriceWindow | None, spot_prices.PriceWindow | None]] = {}
    _windows_ahead: dict[int, spot_prices.PriceWindow | None] = {}
    _latest_interval: metering.LatestConsumption | None = None
    _latest_reading: metering.LatestReading | None = None
    _bill: bill_estimate.BillEstimate | None = None
    # Copies of the customer's and the plan's names, so the computed vars read no parent state.
    _customer_name: str = ""
    _plan_name: str = ""

    # "today" or "tomorrow": which day the price chart shows.
    price_tab: str = "today"
    prices_unavailable: bool = False

    @rx.event
    def load(self):
        """Check the session, then load the chosen subscription and its prices."""
        active, redirect = self._require_sign_in()
        if redirect is not None or active is None:
            self._summary = None
            self._days = {}
            self._hour_windows = {}
            self._windows_ahead = {}
            return redirect
        assert active.subscription_id is not None
        # Every visit starts on today's prices, also where the server wrote the page's first state.
        self.price_tab = "today"
        now = clock.now()
        today = spot_prices.berlin_date(now)
        self._customer_name = self.customer_name
        self._plan_name = self.plan_name
        with open_session() as session:
            subscription = customers.owned_subscription(
                session,
                plan_id=active.plan_id,
                customer_id=active.customer_id,
                subscription_id=active.subscription_id,
            )
            self._summary = customers.summarize(subscription)
            plan = session.get(Plan, active.plan_id)
            demo_mode = get_settings().demo_mode
            if demo_mode:
                metering.ensure_demo_consumption(session, subscription=subscription, now=now)
            self._latest_interval = metering.latest_consumption(session, subscription_id=subscription.id)
            self._latest_reading = metering.latest_reading(session, subscription_id=subscription.id)
            try:
                self._days = {
                    key: dashboard.day_prices(
                        session,
                        plan=plan,
                        subscription=subscription,
                        day=today + datetime.timedelta(days=offset),
                        now=now,
                        demo_mode=demo_mode,
                    )
                    for key, offset in (("today", 0), ("tomorrow", 1))
                }
                self._bill = bill_estimate.estimate_next_bill(
                    session, plan=plan, subscription=subscription, now=now, demo_mode=demo_mode
                )
                self.prices_unavailable = False
            except pricing.MissingComponentError:
                logger.exception(
                    "Price components missing for subscription %s on plan %s", subscription.id, active.plan_id
                )
                self._days = {}
                self._bill = None
                self.prices_unavailable = True
        self._loaded_at = now
        self._hour_windows = {
            key: (
                spot_prices.best_window(day.priced, hours=1, cheapest=True),
                spot_prices.best_window(day.priced, hours=1, cheapest=False),
            )
            for key, day in self._days.items()
            if day.published
        }
        self._windows_ahead = dashboard.best_windows(list(self._days.values()), now=now) if self._days else {}

    @rx.event
    def show_prices(self, tab: str | list[str]):
        """Switch the price chart between today and tomorrow."""
        self.price_tab = tab if tab in ("today", "tomorrow") else "today"

    def _shown_day(self) -> dashboard.DayPrices | None:
        return self._days.get(self.price_tab)

    @rx.var
    def price_chart(self) -> dashboard_view.PriceChartLayout:
        """Bars, gridlines, labels and markers of the price chart for the chosen day."""
        day = self._shown_day()
        if day is None or not day.published:
            return dashboard_view.PriceChartLayout()
        now = self._loaded_at if self.price_tab == "today" else None
        return dashboard_view.price_chart_layout(
            day, self._page_lang, now=now, cheapest=self._day_window(cheapest=True)
        )

    @rx.var
    def shown_day_published(self) -> bool:
        """Whether the chosen day's prices are out."""
        day = self._shown_day()
        return bool(day and day.published)

    def _day_window(self, *, cheapest: bool) -> spot_prices.PriceWindow | None:
        cheapest_window, dearest_window = self._hour_windows.get(self.price_tab, (None, None))
        return cheapest_window if cheapest else dearest_window

    @rx.var
    def cheapest_text(self) -> str:
        """The day's cheapest hour in words."""
        return dashboard_view.window_text("dashboard.cheapest", self._day_window(cheapest=True), self._page_lang)

    @rx.var
    def dearest_text(self) -> str:
        """The day's most expensive hour in words."""
        return dashboard_view.window_text("dashboard.dearest", self._day_window(cheapest=False), self._page_lang)

    @rx.var
    def current_price_text(self) -> str:
        """The price of the interval running now."""
        day = self._days.get("today")
        if day is None or self._loaded_at is None:
            return ""
        return dashboard_view.current_price_text(day, self._loaded_at, self._page_lang)

    @rx.var
    def current_components_text(self) -> str:
        """The current price's split into energy, grid and levies."""
        day = self._days.get("today")
        if day is None or self._loaded_at is None:
            return ""
        return dashboard_view.components_text(day, self._loaded_at, self._page_lang)

    @rx.var
    def not_published_text(self) -> str:
        """What to expect while the shown day's prices are not out yet."""
        if self._loaded_at is None:
            return ""
        if self.price_tab == "today":
            return i18n.translate("dashboard.no_prices", self._page_lang)
        due = dashboard.next_publication(self._loaded_at)
        return i18n.translate("dashboard.not_published", self._page_lang, time=i18n.format_clock(due))

    @rx.var
    def prices_are_demo(self) -> bool:
        """Whether the shown prices are replayed demo data."""
        return any(day.is_demo and day.published for day in self._days.values())

    @rx.var
    def chart_has_gaps(self) -> bool:
        """Whether the chosen day misses some intervals."""
        day = self._shown_day()
        return bool(day and any(slot.price is None for slot in day.slots))

    @rx.var
    def best_time_lines(self) -> list[str]:
        """Cheapest 1, 2 and 3 hour windows in the prices still ahead."""
        if not self._windows_ahead or self._loaded_at is None:
            return []
        return dashboard_view.best_window_texts(
            self._windows_ahead, self._page_lang, today=spot_prices.berlin_date(self._loaded_at)
        )

    @rx.var
    def greeting(self) -> str:
        """E.g. "Willkommen, Anna Schmidt"."""
        if not self._customer_name:
            return ""
        return i18n.translate("overview.greeting", self._page_lang, name=self._customer_name)

    @rx.var
    def subscription_number(self) -> str:
        """The chosen subscription's contract number."""
        return self._summary.number if self._summary else ""

    @rx.var
    def status_label(self) -> str:
        """The subscription status in words."""
        return i18n.translate(f"status.{self._summary.status}", self._page_lang) if self._summary else ""

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
        lang = self._page_lang
        missing = i18n.translate("overview.not_set", lang)
        rows = [
            [i18n.translate("overview.plan", lang), self._plan_name],
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
        lang = self._page_lang
        missing = i18n.translate("overview.not_set", lang)
        return [
            [i18n.translate("overview.meter_number", lang), summary.meter_number or missing],
            [i18n.translate("overview.meter_type", lang), i18n.translate(f"meter.{summary.meter_type}", lang)],
            [i18n.translate("overview.malo", lang), summary.malo or missing],
            [i18n.translate("overview.melo", lang), summary.melo or missing],
        ]

    @rx.var
    def is_smart_meter(self) -> bool:
        """Whether the subscription's meter delivers interval values."""
        return bool(self._summary and self._summary.meter_type == "smart")

    @rx.var
    def consumption_text(self) -> str:
        """The newest interval or reading in words, or why there is none."""
        lang = self._page_lang
        if self._summary is None:
            return ""
        if self._summary.meter_type == "smart":
            latest = self._latest_interval
            if latest is None:
                return i18n.translate("dashboard.no_consumption", lang)
            text = i18n.translate(
                "dashboard.latest_interval",
                lang,
                energy=i18n.format_kwh(latest.energy_kwh, lang, digits=3),
                start=i18n.format_clock(latest.start_at),
                end=i18n.format_clock(latest.end_at),
                day=i18n.format_day(latest.start_at, lang),
            )
            return f"{text} ({i18n.translate(f'state.{latest.state}', lang)})"
        reading = self._latest_reading
        if reading is None:
            return i18n.translate("dashboard.no_reading", lang)
        text = i18n.translate(
            "dashboard.latest_reading",
            lang,
            value=i18n.format_kwh(reading.value_kwh, lang),
            day=i18n.format_day(reading.read_at, lang),
        )
        return f"{text} ({i18n.translate(f'reading_source.{reading.source}', lang)})"

    @rx.var
    def next_bill_text(self) -> str:
        """Date and estimated amount of the next bill."""
        bill = self._bill
        if bill is None:
            if self._summary is None:
                return ""
            key = "dashboard.bill_unknown" if self._summary.status == "active" else "dashboard.no_bill"
            return i18n.translate(key, self._page_lang)
        return i18n.translate(
            "dashboard.next_bill_text",
            self._page_lang,
            date=i18n.format_day(bill.issue_date, self._page_lang),
            amount=i18n.format_eur(bill.amount_eur, self._page_lang),
        )

    @rx.var
    def next_bill_basis(self) -> str:
        """What the estimate rests on."""
        bill = self._bill
        if bill is None:
            return ""
        key = "dashboard.next_bill_basis_measured" if bill.measured else "dashboard.next_bill_basis_estimated"
        return i18n.translate(
            key,
            self._page_lang,
            kwh=i18n.format_kwh(bill.consumption_kwh, self._page_lang),
            month=i18n.format_month(bill.period_start, self._page_lang),
        )

    @rx.var
    def contract_end_text(self) -> str:
        """The supply end for a terminated or ended contract, else ""."""
        summary = self._summary
        if summary is None or summary.end_at is None:
            return ""
        return i18n.translate(
            "dashboard.contract_ends", self._page_lang, date=i18n.format_day(summary.end_at, self._page_lang)
        )
