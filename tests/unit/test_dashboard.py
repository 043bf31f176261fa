import datetime

from sqlmodel import Session, select

from nomos_portal.models import Plan, Subscription
from nomos_portal.services import dashboard
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
    rows = dashboard_view.chart_rows(prices, "de")
    gaps = [row for row in rows if row["price"] is None]
    assert len(gaps) == 1
    assert gaps[0]["price_label"] == "–"


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
