import datetime
import random
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from nomos_portal import db
from nomos_portal.models import SpotPrice
from nomos_portal.services import spot_prices as sp

UTC = datetime.UTC


def count_prices(session: Session) -> int:
    return session.exec(select(func.count()).select_from(SpotPrice)).one()


def berlin(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=sp.BERLIN)


def test_local_day_lengths():
    assert sp.local_day_hours(datetime.date(2026, 3, 29)) == 23
    assert sp.local_day_hours(datetime.date(2025, 10, 26)) == 25
    assert sp.local_day_hours(datetime.date(2026, 6, 1)) == 24


@pytest.mark.parametrize(
    ("day", "count", "resolution"),
    [
        (datetime.date(2024, 3, 31), 23, 60),
        (datetime.date(2024, 10, 27), 25, 60),
        (datetime.date(2024, 6, 12), 24, 60),
        (datetime.date(2026, 3, 29), 92, 15),
        (datetime.date(2025, 10, 26), 100, 15),
        (datetime.date(2026, 6, 12), 96, 15),
    ],
)
def test_prices_for_day_slices_local_day(session: Session, day, count, resolution):
    points = sp.prices_for_day(session, day=day)
    assert len(points) == count
    assert {point.resolution_minutes for point in points} == {resolution}
    start, end = sp.local_day_bounds(day)
    assert points[0].start_at == start
    assert points[-1].end_at == end


def test_shipped_files_reimport_changes_nothing(session: Session):
    before = count_prices(session)
    for path in sp.demo_price_files():
        report = sp.import_price_file(session, path=path)
        assert report.added == 0
        assert report.unchanged == report.rows
    assert count_prices(session) == before


def test_malformed_row_rejected_with_line_number(session: Session, tmp_path: Path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "timestamp_utc,price_eur_per_mwh\n"
        "2030-01-01T00:00:00Z,50.1\n"
        "2030-01-01T01:00:00Z,51,2\n"
        "2030-01-01T02:00:00Z,52.3\n"
    )
    before = count_prices(session)
    with pytest.raises(sp.PriceImportError, match="line 3"):
        sp.import_price_file(session, path=path)
    assert count_prices(session) == before


def test_bad_timestamp_and_duplicates_rejected(session: Session):
    with pytest.raises(sp.PriceImportError, match="line 2"):
        sp.parse_price_csv("timestamp_utc,price_eur_per_mwh\n2030-01-01 00:00,50\n")
    with pytest.raises(sp.PriceImportError, match=r"line 3: .* repeats line 2"):
        sp.parse_price_csv("timestamp_utc,price_eur_per_mwh\n2030-01-01T00:00:00Z,50\n2030-01-01T00:00:00Z,50\n")
    with pytest.raises(sp.PriceImportError, match="column 'price_eur_per_mwh' is missing"):
        sp.parse_price_csv("timestamp_utc,price\n2030-01-01T00:00:00Z,50\n")
    with pytest.raises(sp.PriceImportError, match="line 2"):
        sp.parse_price_csv("timestamp_utc,price_eur_per_mwh\n2030-01-01T00:00:00Z,NaN\n")


def test_changed_price_rejected(session: Session):
    start = sp.local_day_bounds(datetime.date(2026, 6, 12))[0]
    stored = sp.prices_for_day(session, day=datetime.date(2026, 6, 12))[0].price_eur_per_mwh
    changed = sp.PricePoint(start_at=start, resolution_minutes=15, price_eur_per_mwh=stored + 1)
    with pytest.raises(sp.PriceImportError, match="Nothing was imported"):
        sp.import_prices(session, points=[changed])


def test_resolution_inferred_from_neighbours():
    text = "timestamp_utc,price_eur_per_mwh\n" + "\n".join(
        f"2030-01-01T{hour:02d}:{minute:02d}:00Z,1" for hour in range(2) for minute in (0, 15, 30, 45)
    )
    assert {point.resolution_minutes for point in sp.parse_price_csv(text)} == {15}
    hourly = "timestamp_utc,price_eur_per_mwh\n2030-01-01T00:00:00Z,1\n2030-01-01T01:00:00Z,2\n"
    assert {point.resolution_minutes for point in sp.parse_price_csv(hourly)} == {60}


def test_with_gaps_fills_missing_as_none():
    day = datetime.date(2026, 3, 29)
    start, _ = sp.local_day_bounds(day)
    points = [
        sp.PricePoint(
            start_at=start + datetime.timedelta(minutes=15 * index),
            resolution_minutes=15,
            price_eur_per_mwh=Decimal(index),
        )
        for index in range(92)
        if index != 10
    ]
    filled = sp.with_gaps(points, day=day)
    assert len(filled) == 92
    assert filled[10].price_eur_per_mwh is None
    assert filled[11].price_eur_per_mwh == Decimal(11)


def test_publication_rule():
    tomorrow = datetime.date(2026, 12, 5)
    before = berlin(2026, 12, 4, 12, 59).astimezone(UTC)
    after = berlin(2026, 12, 4, 13, 0).astimezone(UTC)
    assert not sp.is_published(tomorrow, now=before, publication_time=sp.DEMO_PUBLICATION_TIME)
    assert sp.is_published(tomorrow, now=after, publication_time=sp.DEMO_PUBLICATION_TIME)
    assert sp.is_published(datetime.date(2026, 12, 4), now=before, publication_time=sp.DEMO_PUBLICATION_TIME)
    assert not sp.is_published(datetime.date(2026, 12, 6), now=after, publication_time=sp.DEMO_PUBLICATION_TIME)


def test_replay_source_keeps_weekday_and_length(session: Session):
    available = sp.demo_price_days(session)
    normal = sp.replay_source_day(datetime.date(2026, 12, 4), available=available)
    assert normal == datetime.date(2025, 12, 5)
    assert normal.weekday() == datetime.date(2026, 12, 4).weekday()
    # 28 March 2027 is a 23-hour Sunday; 29 March 2026 is the matching real day.
    assert sp.replay_source_day(datetime.date(2027, 3, 28), available=available) == datetime.date(2026, 3, 29)
    # 31 October 2027 has 25 hours; the newest 25-hour Sunday with data is 26 October 2025.
    source = sp.replay_source_day(datetime.date(2027, 10, 31), available=available)
    assert sp.local_day_hours(source) == 25


def test_demo_replay_waits_for_publication(session: Session):
    today, tomorrow = datetime.date(2026, 12, 4), datetime.date(2026, 12, 5)
    morning = berlin(2026, 12, 4, 9, 0).astimezone(UTC)
    filled = sp.ensure_demo_prices(session, days=[today, tomorrow], now=morning)
    assert filled == [today]
    assert len(sp.prices_for_day(session, day=today)) == 96
    assert sp.prices_for_day(session, day=tomorrow) == []

    afternoon = berlin(2026, 12, 4, 13, 30).astimezone(UTC)
    assert sp.ensure_demo_prices(session, days=[today, tomorrow], now=afternoon) == [tomorrow]
    replayed = sp.prices_for_day(session, day=tomorrow)
    assert len(replayed) == 96
    assert all(point.is_demo for point in replayed)
    source = sp.prices_for_day(session, day=datetime.date(2025, 12, 6))
    assert [p.price_eur_per_mwh for p in replayed] == [p.price_eur_per_mwh for p in source]


def test_demo_replay_tolerates_a_concurrent_replay(session: Session, monkeypatch: pytest.MonkeyPatch):
    # Another request commits the same rows after this one looked for them and before it inserts.
    day = datetime.date(2026, 12, 4)
    now = berlin(2026, 12, 4, 0, 5).astimezone(UTC)
    original = sp.import_prices

    def racing_import(session: Session, *, points, is_demo):
        with Session(session.get_bind()) as other:
            original(other, points=points, is_demo=is_demo)
        rows = [
            {
                "bidding_zone": sp.BIDDING_ZONE,
                "start_at": point.start_at,
                "resolution_minutes": point.resolution_minutes,
                "price_eur_per_mwh": point.price_eur_per_mwh,
                "is_demo": is_demo,
                "created_at": now,
            }
            for point in points
        ]
        session.execute(sa.insert(SpotPrice), rows)

    monkeypatch.setattr(sp, "import_prices", racing_import)
    assert sp.ensure_demo_prices(session, days=[day], now=now) == []
    assert len(sp.prices_for_day(session, day=day)) == 96


def test_demo_replay_on_dst_day(session: Session):
    day = datetime.date(2027, 3, 28)
    sp.ensure_demo_prices(session, days=[day], now=berlin(2027, 3, 28, 8).astimezone(UTC))
    points = sp.prices_for_day(session, day=day)
    assert len(points) == 92
    assert points[-1].end_at == sp.local_day_bounds(day)[1]


def window_points(prices):
    start = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    step = datetime.timedelta(minutes=15)
    return [(start + index * step, start + (index + 1) * step, price) for index, price in enumerate(prices)]


def test_cheapest_window_skips_gaps():
    prices = [Decimal(p) if p is not None else None for p in [30, 30, 30, 30, 5, 5, None, 5, 10, 10, 10, 10, 40]]
    points = window_points(prices)
    window = sp.best_window(points, hours=1)
    # 5, 10, 10, 10 after the gap; the 5s before the gap are only half an hour long.
    assert window.start_at == points[7][0]
    assert window.average == Decimal("8.75")
    dearest = sp.best_window(points, hours=1, cheapest=False)
    assert dearest.start_at == points[0][0]


def test_cheapest_window_none_when_too_short():
    assert sp.best_window(window_points([Decimal(1)] * 3), hours=1) is None


def test_cheapest_window_respects_not_before():
    points = window_points([Decimal(1)] * 4 + [Decimal(9)] * 4 + [Decimal(3)] * 4)
    window = sp.best_window(points, hours=1, not_before=points[4][0])
    assert window.start_at == points[8][0]


def test_day_prices_notice_rows_stored_by_another_process(session: Session):
    day = datetime.date(2030, 3, 4)
    start = berlin(2030, 3, 4)
    assert sp.prices_for_day(session, day=day) == []
    assert sp.days_with_prices(session, first=day, last=day) == set()

    def store(is_demo: bool, price: str) -> None:
        # As another worker would: its own connection, no call into this process's caches.
        with db.open_session() as other:
            other.execute(
                sa.insert(SpotPrice),
                [
                    {
                        "start_at": start + datetime.timedelta(hours=hour),
                        "resolution_minutes": 60,
                        "price_eur_per_mwh": Decimal(price),
                        "is_demo": is_demo,
                    }
                    for hour in range(24)
                ],
            )
            other.commit()
        session.rollback()

    store(True, "40.00")
    assert sp.days_with_prices(session, first=day, last=day) == {day}
    assert [p.price_eur_per_mwh for p in sp.prices_for_day(session, day=day)] == [Decimal("40.00")] * 24
    store(False, "55.00")
    points = sp.prices_for_day(session, day=day)
    assert [p.price_eur_per_mwh for p in points] == [Decimal("55.00")] * 24
    assert not any(p.is_demo for p in points)


def best_window_by_brute_force(points, *, hours: int, cheapest: bool):
    """Average every gap-free window from each start. The sliding window must find the same one."""
    length = datetime.timedelta(hours=hours)
    best = None
    for first in range(len(points)):
        weighted, covered, previous_end = Decimal(0), datetime.timedelta(), points[first][0]
        for start, end, price in points[first:]:
            if price is None or start != previous_end:
                break
            weighted += price * Decimal((end - start).total_seconds())
            covered += end - start
            previous_end = end
            if covered >= length:
                average = weighted / Decimal(covered.total_seconds())
                if best is None or (average < best[2] if cheapest else average > best[2]):
                    best = (points[first][0], end, average)
                break
    return best


def test_sliding_window_matches_brute_force():
    rng = random.Random(7)
    for _case in range(200):
        start = berlin(2026, 3, 29)
        points, moment = [], start
        for _ in range(rng.randint(0, 60)):
            minutes = rng.choice([15, 15, 15, 60])
            if rng.random() < 0.05:
                moment += datetime.timedelta(minutes=15)  # a missing interval
            price = None if rng.random() < 0.05 else Decimal(rng.randint(-500, 5000)) / 100
            points.append((moment, moment + datetime.timedelta(minutes=minutes), price))
            moment += datetime.timedelta(minutes=minutes)
        for hours in (1, 2, 3):
            for cheapest in (True, False):
                found = sp.best_window(points, hours=hours, cheapest=cheapest)
                expected = best_window_by_brute_force(points, hours=hours, cheapest=cheapest)
                got = None if found is None else (found.start_at, found.end_at, found.average)
                assert got == expected, (points, hours, cheapest)
