"""Turn dashboard figures into the strings and chart rows the overview page shows."""

from __future__ import annotations

import datetime
from typing import Any

from nomos_portal import i18n
from nomos_portal.services import dashboard, pricing
from nomos_portal.services.spot_prices import PriceWindow


def slot_labels(prices: dashboard.DayPrices, language: str) -> list[str]:
    """Wall-clock labels of a day's slots; the repeated October hour carries its zone."""
    plain = [i18n.format_clock(slot.start_at) for slot in prices.slots]
    repeated = {label for label in plain if plain.count(label) > 1}
    return [
        i18n.format_clock(slot.start_at, language, ambiguous=label in repeated)
        for slot, label in zip(prices.slots, plain, strict=True)
    ]


def chart_rows(prices: dashboard.DayPrices, language: str) -> list[dict[str, Any]]:
    """Build one chart row per slot: x label, gross price in ct/kWh (None for a gap) and its formatted text."""
    rows = []
    for slot, label in zip(prices.slots, slot_labels(prices, language), strict=True):
        if slot.price is None:
            rows.append({"time": label, "price": None, "price_label": "–"})
            continue
        rounded = pricing.round_ct(slot.price.total_ct_per_kwh)
        rows.append({"time": label, "price": float(rounded), "price_label": i18n.format_ct_per_kwh(rounded, language)})
    return rows


def window_bounds(prices: dashboard.DayPrices, window: PriceWindow | None, language: str) -> list[str]:
    """Labels of the first and last slot inside a window, for shading it on the chart."""
    if window is None:
        return []
    labels = slot_labels(prices, language)
    inside = [
        label
        for slot, label in zip(prices.slots, labels, strict=True)
        if window.start_at <= slot.start_at < window.end_at
    ]
    return [inside[0], inside[-1]] if inside else []


def window_text(key: str, window: PriceWindow | None, language: str) -> str:
    """E.g. "Günstigste Stunde: 13:00–14:00 Uhr, Ø 18,42 ct/kWh"; "" without a window."""
    if window is None:
        return ""
    return i18n.translate(
        key,
        language,
        start=i18n.format_clock(window.start_at),
        end=i18n.format_clock(window.end_at),
        price=i18n.format_ct_per_kwh(pricing.round_ct(window.average), language),
    )


def current_price_text(prices: dashboard.DayPrices, now: datetime.datetime, language: str) -> str:
    """Describe the price of the interval running now."""
    index = dashboard.current_slot_index(prices, now=now)
    if index is None or prices.slots[index].price is None:
        return ""
    slot = prices.slots[index]
    price = slot.price
    return i18n.translate(
        "dashboard.current_price",
        language,
        price=i18n.format_ct_per_kwh(pricing.round_ct(price.total_ct_per_kwh), language),
        start=i18n.format_clock(slot.start_at),
        end=i18n.format_clock(slot.end_at),
    )


def components_text(prices: dashboard.DayPrices, now: datetime.datetime, language: str) -> str:
    """The current price split into energy, grid and levies."""
    index = dashboard.current_slot_index(prices, now=now)
    if index is None or prices.slots[index].price is None:
        return ""
    price = prices.slots[index].price
    return i18n.translate(
        "dashboard.components",
        language,
        electricity=i18n.format_ct_per_kwh(pricing.round_ct(price.electricity_ct_per_kwh), language),
        grid=i18n.format_ct_per_kwh(pricing.round_ct(price.grid_ct_per_kwh), language),
        levies=i18n.format_ct_per_kwh(pricing.round_ct(price.levies_ct_per_kwh), language),
    )


def best_window_texts(windows: dict[int, PriceWindow | None], language: str, *, today: datetime.date) -> list[str]:
    """One line per window length for the "best time to use power" hint."""
    lines = []
    for hours, window in windows.items():
        if window is None:
            lines.append(i18n.translate("dashboard.no_window", language, hours=hours))
            continue
        start_day = i18n.berlin_day(window.start_at)
        day = i18n.translate("dashboard.today" if start_day == today else "dashboard.tomorrow", language)
        lines.append(
            i18n.translate(
                "dashboard.best_window",
                language,
                hours=hours,
                day=day,
                start=i18n.format_clock(window.start_at),
                end=i18n.format_clock(window.end_at),
                price=i18n.format_ct_per_kwh(pricing.round_ct(window.average), language),
            )
        )
    return lines
