import datetime
from decimal import Decimal

from sqlmodel import Session, select

from nomos_portal.models import Plan, Subscription
from nomos_portal.services import dashboard, pricing
from nomos_portal.services import spot_prices as sp
from nomos_portal.states import dashboard_view

UTC = datetime.UTC


def berlin(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=sp.BERLIN).astimezone(UTC)


def jonas(session: Session) -> Subscription:
    return session.exec(select(Subscription).where(Subscription.number == "ACME-100003")).one()


def load(session: Session, plan: Plan, day: datetime.date, now: datetime.datetime, demo: bool = False):
    return dashboard.day_prices(session, plan=plan, subscription=jonas(session), day=day, now=now, demo_mode=demo)


def test_dst_days_have_92_and_100_slots(session: Session, acme: Plan):
    spring = load(session, acme, datetime.date(2026, 3, 29), berlin(2026, 3, 29, 12))
    autumn = load(session, acme, datetime.date(2025, 10, 26), berlin(2025, 10, 26, 12))
    assert len(spring.slots) == 92
    assert len(autumn.slots) == 100
    assert all(slot.price is not None for slot in spring.slots + autumn.slots)


def test_hourly_dst_days_have_23_and_25_slots(session: Session, acme: Plan):
    assert len(load(session, acme, datetime.date(2024, 3, 31), berlin(2024, 3, 31, 12)).slots) == 23
    assert len(load(session, acme, datetime.date(2024, 10, 27), berlin(2024, 10, 27, 12)).slots) == 25


def test_autumn_labels_name_the_repeated_hour(session: Session, acme: Plan):
    autumn = load(session, acme, datetime.date(2025, 10, 26), berlin(2025, 10, 26, 12))
    labels = dashboard_view.slot_labels(autumn, "de")
    assert len(set(labels)) == 100
    assert "02:15 MESZ" in labels
    assert "02:15 MEZ" in labels
    assert labels.index("02:15 MESZ") < labels.index("02:15 MEZ")
    assert "02:15 CEST" in dashboard_view.slot_labels(autumn, "en")


def test_spring_labels_skip_the_missing_hour(session: Session, acme: Plan):
    spring = load(session, acme, datetime.date(2026, 3, 29), berlin(2026, 3, 29, 12))
    labels = dashboard_view.slot_labels(spring, "de")
    assert "01:45" in labels
    assert "02:00" not in labels
    assert labels[labels.index("01:45") + 1] == "03:00"


def test_tomorrow_not_published_before_publication_in_demo(session: Session, acme: Plan):
    morning = berlin(2026, 12, 4, 10)
    tomorrow = load(session, acme, datetime.date(2026, 12, 5), morning, demo=True)
    assert not tomorrow.published
    assert tomorrow.slots == []
    afternoon = berlin(2026, 12, 4, 13, 5)
    shown = load(session, acme, datetime.date(2026, 12, 5), afternoon, demo=True)
    assert shown.published
    assert shown.is_demo
    assert len(shown.slots) == 96


def test_no_prices_without_demo_mode(session: Session, acme: Plan):
    day = load(session, acme, datetime.date(2026, 12, 4), berlin(2026, 12, 4, 10), demo=False)
    assert not day.published


def test_current_slot_and_price_text(session: Session, acme: Plan):
    now = berlin(2026, 3, 29, 14, 7)
    day = load(session, acme, datetime.date(2026, 3, 29), now)
    index = dashboard.current_slot_index(day, now=now)
    assert dashboard_view.slot_labels(day, "de")[index] == "14:00"
    text = dashboard_view.current_price_text(day, now, "de")
    assert text.startswith("Aktueller Preis: ")
    assert text.endswith("(14:00–14:15 Uhr)")
    assert "\xa0ct/kWh" in text


def test_missing_interval_is_a_gap(session: Session, acme: Plan):
    from nomos_portal.models import SpotPrice

    day = datetime.date(2026, 3, 29)
    start, _ = sp.local_day_bounds(day)
    row = session.exec(select(SpotPrice).where(SpotPrice.start_at == start + datetime.timedelta(hours=5))).one()
    session.delete(row)
    session.commit()
    prices = load(session, acme, day, berlin(2026, 3, 29, 12))
    assert len(prices.slots) == 92
    layout = dashboard_view.price_chart_layout(prices, "de", now=None, cheapest=None)
    assert len(layout.bars) == 91
    slot_width = 100 / 92
    # Five hours after midnight is the 21st quarter hour; its place stays empty.
    starts = [round(bar.x / slot_width) for bar in layout.bars]
    assert 20 not in starts
    assert 19 in starts
    assert 21 in starts


def test_best_windows_span_today_and_tomorrow(session: Session, acme: Plan):
    now = berlin(2026, 3, 28, 22, 10)
    days = [load(session, acme, datetime.date(2026, 3, 28), now), load(session, acme, datetime.date(2026, 3, 29), now)]
    windows = dashboard.best_windows(days, now=now)
    assert set(windows) == {1, 2, 3}
    for hours, window in windows.items():
        assert window.end_at - window.start_at == datetime.timedelta(hours=hours)
        assert window.end_at > now
    lines = dashboard_view.best_window_texts(windows, "de", today=datetime.date(2026, 3, 28))
    assert lines[0].startswith("1 h am Stück: ")


def test_best_windows_ignore_unpublished_day(session: Session, acme: Plan):
    now = berlin(2026, 12, 4, 23, 30)
    today = load(session, acme, datetime.date(2026, 12, 4), now, demo=True)
    tomorrow = dashboard.DayPrices(day=datetime.date(2026, 12, 5), published=False, is_demo=True, slots=[])
    windows = dashboard.best_windows([today, tomorrow], now=now)
    assert windows[1] is None
    assert windows[3] is None
    assert dashboard_view.best_window_texts(windows, "en", today=datetime.date(2026, 12, 4))[2] == (
        "3 h in a row: no continuous prices published any more"
    )


def slot(start: datetime.datetime, total_ct: str | None) -> dashboard.PriceSlot:
    price = None
    if total_ct is not None:
        price = pricing.CustomerPrice(
            electricity_ct_per_kwh=Decimal(total_ct), grid_ct_per_kwh=Decimal(0), levies_ct_per_kwh=Decimal(0)
        )
    return dashboard.PriceSlot(start_at=start, end_at=start + datetime.timedelta(hours=1), price=price)


def hourly_day(prices: list[str | None]) -> dashboard.DayPrices:
    start = berlin(2026, 3, 28)
    slots = [slot(start + datetime.timedelta(hours=hour), value) for hour, value in enumerate(prices)]
    return dashboard.DayPrices(day=datetime.date(2026, 3, 28), published=True, is_demo=False, slots=slots)


def test_chart_layout_places_negative_price_below_zero():
    prices = ["30"] * 24
    prices[3] = "-10"
    layout = dashboard_view.price_chart_layout(hourly_day(prices), "de", now=None, cheapest=None)
    # Gridlines every 10 ct from -10 to 30: zero sits a quarter up from the bottom.
    assert [tick.label for tick in layout.price_ticks] == ["-10", "0", "10", "20", "30"]
    assert layout.zero_y == 75.0
    positive, negative = layout.bars[0], layout.bars[3]
    assert positive.y == 0.0
    assert positive.height == 75.0
    assert negative.y == 75.0
    assert negative.height == 25.0
    assert negative.title == "03:00: -10,00\xa0ct/kWh"


def test_chart_layout_marks_now_and_cheapest_hour():
    prices = [str(20 + hour) for hour in range(24)]
    day = hourly_day(prices)
    cheapest = sp.PriceWindow(start_at=day.slots[0].start_at, end_at=day.slots[1].start_at, average=Decimal(20))
    layout = dashboard_view.price_chart_layout(day, "en", now=berlin(2026, 3, 28, 14, 30), cheapest=cheapest)
    assert layout.now_x == round(14.5 * 100 / 24, 3)
    assert layout.cheapest_x == 0.0
    assert layout.cheapest_width == round(100 / 24, 3)
    assert layout.bars[5].title == "05:00: 25.00\xa0ct/kWh"


def test_chart_layout_cached_per_interval():
    first = dashboard_view.price_chart_layout(
        hourly_day(["20"] * 24), "de", now=berlin(2026, 3, 28, 14, 5), cheapest=None
    )
    # Equal prices of another customer, later in the same interval: the same layout from the cache.
    again = dashboard_view.price_chart_layout(
        hourly_day(["20"] * 24), "de", now=berlin(2026, 3, 28, 14, 50), cheapest=None
    )
    assert again is first
    next_hour = dashboard_view.price_chart_layout(
        hourly_day(["20"] * 24), "de", now=berlin(2026, 3, 28, 15), cheapest=None
    )
    assert next_hour.now_x == round(15.5 * 100 / 24, 3)
    english = dashboard_view.price_chart_layout(
        hourly_day(["20"] * 24), "en", now=berlin(2026, 3, 28, 14, 5), cheapest=None
    )
    assert english.bars[0].title == "00:00: 20.00\xa0ct/kWh"
    changed = dashboard_view.price_chart_layout(
        hourly_day(["20"] * 23 + ["21"]), "de", now=berlin(2026, 3, 28, 14, 5), cheapest=None
    )
    assert changed.bars[23].title == "23:00: 21,00\xa0ct/kWh"


def test_chart_layout_without_now_or_window():
    layout = dashboard_view.price_chart_layout(hourly_day(["5"] * 24), "de", now=berlin(2026, 3, 29, 1), cheapest=None)
    assert layout.now_x == -1.0
    assert layout.cheapest_width == 0.0
    assert [tick.label for tick in layout.price_ticks] == ["0", "1", "2", "3", "4", "5"]


def test_chart_time_labels_every_two_hours(session: Session, acme: Plan):
    spring = load(session, acme, datetime.date(2026, 3, 29), berlin(2026, 3, 29, 12))
    layout = dashboard_view.price_chart_layout(spring, "de", now=None, cheapest=None)
    labels = [tick.label for tick in layout.time_ticks]
    # The clock jumps from 02:00 to 03:00, so the 02:00 label is missing that day.
    assert labels == ["00:00", "04:00", "06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00", "22:00"]
    assert [tick.major for tick in layout.time_ticks][:3] == [True, True, False]


def test_chart_labels_repeated_autumn_hour_once(session: Session, acme: Plan):
    autumn = load(session, acme, datetime.date(2025, 10, 26), berlin(2025, 10, 26, 12))
    layout = dashboard_view.price_chart_layout(autumn, "de", now=None, cheapest=None)
    assert len(layout.bars) == 100
    assert [tick.label for tick in layout.time_ticks][:2] == ["00:00", "02:00 MESZ"]
