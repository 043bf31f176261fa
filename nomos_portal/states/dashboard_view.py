"""Turn dashboard figures into the strings and chart rows the overview page shows."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
from decimal import Decimal

from nomos_portal import i18n
from nomos_portal.services import dashboard, pricing
from nomos_portal.services.spot_prices import BERLIN, PriceWindow


def slot_labels(prices: dashboard.DayPrices, language: str) -> list[str]:
    """Wall-clock labels of a day's slots; the repeated October hour carries its zone."""
    plain = [i18n.format_clock(slot.start_at) for slot in prices.slots]
    repeated = {label for label in plain if plain.count(label) > 1}
    return [
        i18n.format_clock(slot.start_at, language, ambiguous=label in repeated)
        for slot, label in zip(prices.slots, plain, strict=True)
    ]


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


# Gridline steps of the price axis in ct/kWh; the chart takes the smallest that needs at most
# MAX_PRICE_TICKS intervals.
PRICE_TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
MAX_PRICE_TICKS = 5
# Share of a slot's width that its bar fills; the rest is the gap to the next bar.
BAR_FILL = 0.8
# Hours between time labels: every second one shows on narrow screens as well.
TIME_LABEL_HOURS = 2
# Chart layouts kept in memory: the days, languages, grid areas and quarter hours that customers look
# at within a few minutes. One layout of 96 bars takes about 50 KiB (tracemalloc), 256 about 13 MiB.
LAYOUT_CACHE_ENTRIES = 256


@dataclasses.dataclass(frozen=True)
class PriceBar:
    """One slot's bar in percent of the plot area, with its tooltip."""

    x: float
    y: float
    width: float
    height: float
    title: str


@dataclasses.dataclass(frozen=True)
class PriceTick:
    """A gridline of the price axis at `y` percent from the top, with its label."""

    y: float
    label: str


@dataclasses.dataclass(frozen=True)
class TimeTick:
    """A time label centred at `x` percent; `major` ones show on narrow screens too."""

    x: float
    label: str
    major: bool


@dataclasses.dataclass(frozen=True)
class PriceChartLayout:
    """The price chart in percent of its plot area; `now_x` is -1 and `cheapest_width` 0 when absent."""

    bars: list[PriceBar] = dataclasses.field(default_factory=list)
    price_ticks: list[PriceTick] = dataclasses.field(default_factory=list)
    time_ticks: list[TimeTick] = dataclasses.field(default_factory=list)
    zero_y: float = 100.0
    now_x: float = -1.0
    cheapest_x: float = 0.0
    cheapest_width: float = 0.0


def _price_axis(prices: list[Decimal]) -> tuple[Decimal, Decimal, int]:
    """Lowest and highest gridline and the step between them, with zero always inside."""
    low = min([Decimal(0), *prices])
    high = max([Decimal(0), *prices])
    step = next(
        (
            candidate
            for candidate in PRICE_TICK_STEPS
            if math.ceil(high / candidate) - math.floor(low / candidate) <= MAX_PRICE_TICKS
        ),
        PRICE_TICK_STEPS[-1],
    )
    bottom = Decimal(math.floor(low / step) * step)
    top = Decimal(math.ceil(high / step) * step)
    if top == bottom:
        top = bottom + step
    return bottom, top, step


@dataclasses.dataclass(frozen=True)
class _ChartPrices:
    """Key of the layout cache: equal when the day and every slot's start and price are equal."""

    key: tuple
    prices: dashboard.DayPrices = dataclasses.field(compare=False, hash=False)


def price_chart_layout(
    prices: dashboard.DayPrices, language: str, *, now: datetime.datetime | None, cheapest: PriceWindow | None
) -> PriceChartLayout:
    """Place a day's price bars, gridlines, labels and markers in percent of the plot area.

    The page stretches the gridlines' SVG, whose view box is 100 by 100, over the plot
    area, and places the bars and labels on top in percent, so the labels keep their font
    size on any screen. Bars grow up from the zero line, and negative prices hang below it.
    Gaps get no bar.

    All customers of a plan in one grid area see the same prices, so a layout is built
    once per day, language and quarter hour and then taken from a cache.

    Args:
        prices: The published day.
        language: UI language of the labels.
        now: The moment the prices were loaded; marks its slot when it falls on this day.
        cheapest: The window to shade, usually the day's cheapest hour.

    """
    if not prices.slots:
        return PriceChartLayout()
    key = (
        prices.day,
        tuple((slot.start_at, slot.price.total_ct_per_kwh if slot.price else None) for slot in prices.slots),
    )
    now_index = dashboard.current_slot_index(prices, now=now) if now is not None else None
    return _cached_layout(_ChartPrices(key=key, prices=prices), language, now_index, cheapest)


@functools.lru_cache(maxsize=LAYOUT_CACHE_ENTRIES)
def _cached_layout(
    chart: _ChartPrices, language: str, now_index: int | None, cheapest: PriceWindow | None
) -> PriceChartLayout:
    prices = chart.prices
    count = len(prices.slots)
    labels = slot_labels(prices, language)
    rounded = [pricing.round_ct(slot.price.total_ct_per_kwh) if slot.price else None for slot in prices.slots]
    bottom, top, step = _price_axis([value for value in rounded if value is not None])
    span = top - bottom
    slot_width = 100 / count

    def y_of(value: Decimal) -> float:
        return round(float((top - value) / span * 100), 3)

    zero_y = y_of(Decimal(0))
    bars = []
    for index, (label, value) in enumerate(zip(labels, rounded, strict=True)):
        if value is None:
            continue
        y = y_of(max(value, Decimal(0)))
        bars.append(
            PriceBar(
                x=round(index * slot_width + slot_width * (1 - BAR_FILL) / 2, 3),
                y=y,
                width=round(slot_width * BAR_FILL, 3),
                height=round(y_of(min(value, Decimal(0))) - y, 3),
                title=f"{label}: {i18n.format_ct_per_kwh(value, language)}",
            )
        )
    price_ticks = [
        PriceTick(y=y_of(bottom + step * number), label=i18n.format_number(bottom + step * number, language))
        for number in range(int(span / step) + 1)
    ]
    time_ticks = _time_ticks(prices, labels, slot_width)
    inside = [
        index
        for index, slot in enumerate(prices.slots)
        if cheapest is not None and cheapest.start_at <= slot.start_at < cheapest.end_at
    ]
    return PriceChartLayout(
        bars=bars,
        price_ticks=price_ticks,
        time_ticks=time_ticks,
        zero_y=zero_y,
        now_x=round((now_index + 0.5) * slot_width, 3) if now_index is not None else -1.0,
        cheapest_x=round(inside[0] * slot_width, 3) if inside else 0.0,
        cheapest_width=round(len(inside) * slot_width, 3),
    )


def _time_ticks(prices: dashboard.DayPrices, labels: list[str], slot_width: float) -> list[TimeTick]:
    """Place a label every TIME_LABEL_HOURS at the slot starting on the full hour, `major` on every second one.

    The repeated hour at the end of summer time gets one label, at its first occurrence.
    """
    ticks = []
    seen: set[tuple[int, int]] = set()
    for index, slot in enumerate(prices.slots):
        local = slot.start_at.astimezone(BERLIN)
        if (local.hour, local.minute) in seen:
            continue
        seen.add((local.hour, local.minute))
        if local.minute == 0 and local.hour % TIME_LABEL_HOURS == 0:
            ticks.append(
                TimeTick(
                    x=round((index + 0.5) * slot_width, 3),
                    label=labels[index],
                    major=local.hour % (2 * TIME_LABEL_HOURS) == 0,
                )
            )
    return ticks
