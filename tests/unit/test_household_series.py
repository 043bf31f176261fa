import datetime

import numpy as np
import pandas as pd
import pytest

from nomos_portal.services import household_series
from nomos_portal.services.load_profile import BERLIN

ONE_DAY = datetime.timedelta(days=1)


def one_day(day: datetime.date) -> pd.Series:
    return household_series.real_household_consumption_kwh(start=day, end=day + ONE_DAY)


def source_hourly_kwh(*, first_row: str, last_row: str) -> np.ndarray:
    """Hourly grid import of the source rows first_row..last_row, computed straight from the meter file."""
    frame = pd.read_csv(household_series.HOUSEHOLD_METER_FILE)
    consumption = frame["grid_import_kwh_cumulative"].diff()
    rows = (frame["utc_timestamp"] >= first_row) & (frame["utc_timestamp"] <= last_row)
    return consumption[rows].to_numpy()


@pytest.fixture
def meter_file(tmp_path, monkeypatch):
    """Point the module at a small meter file of its own and empty its cache before and after the test."""
    path = tmp_path / "meter.csv"
    monkeypatch.setattr(household_series, "HOUSEHOLD_METER_FILE", path)
    household_series._hourly_grid_import_kwh.cache_clear()
    yield path
    household_series._hourly_grid_import_kwh.cache_clear()


@pytest.mark.parametrize(
    ("day", "quarter_hours"),
    [
        (datetime.date(2026, 6, 8), 96),
        (datetime.date(2026, 3, 29), 92),
        (datetime.date(2026, 10, 25), 100),
        (datetime.date(2024, 3, 31), 92),
        (datetime.date(2028, 10, 29), 100),
    ],
)
def test_household_day_lengths_follow_dst(day, quarter_hours):
    series = one_day(day)

    assert len(series) == quarter_hours
    assert str(series.index.tz) == "UTC"
    assert series.index.name == "start_utc"
    assert series.name == "energy_kwh"


def test_household_values_non_negative_or_nan():
    series = household_series.real_household_consumption_kwh(
        start=datetime.date(2024, 1, 1), end=datetime.date(2029, 1, 1)
    )

    assert ((series >= 0) | series.isna()).all()
    assert series.notna().mean() > 0.95


def test_household_week_equals_source_hours():
    # Monday 2026-06-08 replays Monday 2016-06-20, ten 52-week steps earlier.
    target = household_series.real_household_consumption_kwh(
        start=datetime.date(2026, 6, 8), end=datetime.date(2026, 6, 15)
    )
    hourly_kwh = source_hourly_kwh(first_row="2016-06-20T00:00:00Z", last_row="2016-06-26T23:00:00Z")

    assert len(hourly_kwh) == 168
    assert not np.isnan(hourly_kwh).any()
    np.testing.assert_allclose(target.to_numpy(), np.repeat(hourly_kwh / 4, 4))
    assert target.index[0] == pd.Timestamp("2026-06-07T22:00:00Z")


def test_household_autumn_day_repeats_0200_hour():
    series = one_day(datetime.date(2026, 10, 25))
    wall_clock = series.index.tz_convert(BERLIN)
    hour_two = series[wall_clock.hour == 2].to_numpy()

    assert len(hour_two) == 8
    np.testing.assert_array_equal(hour_two[:4], hour_two[4:])


def test_household_spring_day_skips_0200_hour():
    # Sunday 2026-03-29 replays Sunday 2016-04-10.
    series = one_day(datetime.date(2026, 3, 29))
    hourly_kwh = source_hourly_kwh(first_row="2016-04-10T00:00:00Z", last_row="2016-04-10T23:00:00Z")
    expected_hourly_kwh = np.delete(hourly_kwh, 2)

    np.testing.assert_allclose(series.to_numpy(), np.repeat(expected_hourly_kwh / 4, 4))


def test_household_source_gap_stays_nan():
    # The meter file has no grid import for Saturday 2016-04-23, which Saturday 2026-04-11 replays.
    series = one_day(datetime.date(2026, 4, 11))

    assert household_series.source_date_for(target=datetime.date(2026, 4, 11)) == datetime.date(2016, 4, 23)
    assert series.isna().all()


def test_household_deterministic():
    first = household_series.real_household_consumption_kwh(
        start=datetime.date(2025, 1, 1), end=datetime.date(2025, 3, 1)
    )
    second = household_series.real_household_consumption_kwh(
        start=datetime.date(2025, 1, 1), end=datetime.date(2025, 3, 1)
    )

    pd.testing.assert_series_equal(first, second)


def test_source_date_same_weekday_in_2016():
    day = datetime.date(2024, 1, 1)
    while day < datetime.date(2029, 1, 1):
        source = household_series.source_date_for(target=day)
        same_day_2016 = day.replace(year=2016)
        distance_days = abs((source - same_day_2016).days)

        assert source.year == 2016, day
        assert source.weekday() == day.weekday(), day
        assert (day - source).days % 364 == 0, day
        assert min(distance_days, 366 - distance_days) <= 17, day
        day += ONE_DAY


@pytest.mark.parametrize(
    ("target", "source"),
    [
        (datetime.date(2026, 6, 8), datetime.date(2016, 6, 20)),
        (datetime.date(2016, 5, 5), datetime.date(2016, 5, 5)),
        (datetime.date(2024, 1, 1), datetime.date(2016, 1, 11)),
        # 2016-12-30 and 2016-01-01 are both 364-day steps away, and 30 December is nearer in the calendar.
        (datetime.date(2024, 12, 20), datetime.date(2016, 12, 30)),
        (datetime.date(2024, 12, 31), datetime.date(2016, 1, 12)),
    ],
)
def test_source_date_examples(target, source):
    assert household_series.source_date_for(target=target) == source


def test_household_empty_range():
    day = datetime.date(2026, 5, 1)

    assert household_series.real_household_consumption_kwh(start=day, end=day).empty


def test_household_rejects_end_before_start():
    with pytest.raises(ValueError, match="end must not be before start"):
        household_series.real_household_consumption_kwh(start=datetime.date(2026, 5, 2), end=datetime.date(2026, 5, 1))


def test_household_meter_gaps_and_decreases_give_nan(meter_file):
    # Monday 2026-06-08 replays 2016-06-20. The 03:00 reading is missing, and the 05:00 reading goes down.
    readings = ["100.0", "100.5", "101.0", "101.5", "", "103.0", "102.0", "102.5"]
    readings += [f"{103.0 + 0.5 * hour:.1f}" for hour in range(1, 18)]
    lines = ["utc_timestamp,grid_import_kwh_cumulative"]
    for offset, reading in enumerate(readings):
        start = datetime.datetime(2016, 6, 19, 23) + datetime.timedelta(hours=offset)
        lines.append(f"{start:%Y-%m-%dT%H:%M:%S}Z,{reading}")
    meter_file.write_text("\n".join(lines) + "\n")

    hourly_kwh = one_day(datetime.date(2026, 6, 8)).to_numpy()[::4] * 4

    np.testing.assert_allclose(hourly_kwh[:3], [0.5, 0.5, 0.5])
    assert np.isnan(hourly_kwh[3])
    assert np.isnan(hourly_kwh[4])
    assert np.isnan(hourly_kwh[5])
    np.testing.assert_allclose(hourly_kwh[6], 0.5)


def test_household_meter_merged_autumn_hour_halved(meter_file):
    # Sunday 2026-10-18 replays Sunday 2016-10-30. The meter file's 02:00 row on that day covers both
    # real 02:00 hours (2 kWh here), the other hours use 1 kWh each.
    readings = [10.0, 11.0, 12.0, 14.0, 15.0]
    lines = ["utc_timestamp,grid_import_kwh_cumulative"]
    for offset, reading in enumerate(readings):
        start = datetime.datetime(2016, 10, 29, 23) + datetime.timedelta(hours=offset)
        lines.append(f"{start:%Y-%m-%dT%H:%M:%S}Z,{reading}")
    meter_file.write_text("\n".join(lines) + "\n")

    hourly_kwh = one_day(datetime.date(2026, 10, 18)).to_numpy()[::4] * 4

    assert household_series.source_date_for(target=datetime.date(2026, 10, 18)) == datetime.date(2016, 10, 30)
    np.testing.assert_allclose(hourly_kwh[:4], [1.0, 1.0, 1.0, 1.0])
    assert np.isnan(hourly_kwh[4:]).all()
