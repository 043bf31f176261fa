import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nomos_portal.services import load_profile

REFERENCE_EXCERPT = Path(__file__).resolve().parent / "data" / "h0_reference_excerpt_2026.csv"
ONE_DAY = datetime.timedelta(days=1)


def one_day(day: datetime.date) -> pd.DataFrame:
    return load_profile.h0_quarter_hours(start=day, end=day + ONE_DAY)


def typical_day_w(*, season: str, day_type: str) -> np.ndarray:
    """The 96 published BDEW values of one typical day, read straight from the data file."""
    table = pd.read_csv(load_profile.H0_TYPICAL_DAYS_FILE)
    rows = table[(table["season"] == season) & (table["day_type"] == day_type)].sort_values("interval_start")
    return rows["power_w_per_1000kwh_a"].to_numpy()


def test_h0_matches_reference_excerpt():
    # Excerpt of an independently derived, dynamised H0 series for 2026 with 4 decimals:
    # the days 2026-01-01, 03-29, 04-06, 07-15, 10-25 and 12-24.
    reference = pd.read_csv(REFERENCE_EXCERPT)
    reference.index = pd.DatetimeIndex(pd.to_datetime(reference["timestamp_utc"], utc=True))
    profile = load_profile.h0_quarter_hours(start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))

    assert len(reference) == 576
    assert reference.index.isin(profile.index).all()
    actual = profile.loc[reference.index, "power_w_per_1000kwh_a"].to_numpy()
    np.testing.assert_allclose(actual, reference["h0_dyn_w_per_1000kwh_a"].to_numpy(), rtol=0, atol=0.01)


@pytest.mark.parametrize(
    ("day", "quarter_hours"),
    [
        (datetime.date(2026, 3, 29), 92),
        (datetime.date(2026, 3, 30), 96),
        (datetime.date(2026, 10, 25), 100),
        (datetime.date(2024, 3, 31), 92),
        (datetime.date(2024, 10, 27), 100),
        (datetime.date(2026, 7, 15), 96),
    ],
)
def test_h0_day_lengths_follow_dst(day, quarter_hours):
    assert len(one_day(day)) == quarter_hours


def test_h0_index_is_utc_quarter_hours():
    profile = load_profile.h0_quarter_hours(start=datetime.date(2026, 3, 28), end=datetime.date(2026, 3, 31))

    assert str(profile.index.tz) == "UTC"
    assert profile.index.name == "start_utc"
    assert profile.index[0] == pd.Timestamp("2026-03-27T23:00:00Z")
    assert profile.index[-1] == pd.Timestamp("2026-03-30T21:45:00Z")
    assert ((profile.index[1:] - profile.index[:-1]) == pd.Timedelta(minutes=15)).all()


def test_h0_autumn_repeats_0200_values():
    profile = one_day(datetime.date(2026, 10, 25))
    wall_clock = profile.index.tz_convert(load_profile.BERLIN)
    hour_two = profile["power_w_per_1000kwh_a"][wall_clock.hour == 2].to_numpy()
    sunday = typical_day_w(season="transition", day_type="sunday")

    assert len(hour_two) == 8
    np.testing.assert_array_equal(hour_two[:4], hour_two[4:])
    np.testing.assert_allclose(hour_two[:4], sunday[8:12] * profile["dynamisation_factor"].iloc[0])


def test_h0_spring_skips_0200():
    profile = one_day(datetime.date(2026, 3, 29))
    wall_clock = profile.index.tz_convert(load_profile.BERLIN)
    sunday = typical_day_w(season="transition", day_type="sunday")
    expected = np.concatenate([sunday[:8], sunday[12:]]) * profile["dynamisation_factor"].iloc[0]

    assert 2 not in set(wall_clock.hour)
    np.testing.assert_allclose(profile["power_w_per_1000kwh_a"].to_numpy(), expected)


def test_profile_consumption_2026_sum():
    energy_kwh = load_profile.profile_consumption_kwh(
        start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1), annual_kwh=1000
    )

    assert len(energy_kwh) == 35040
    assert energy_kwh.name == "energy_kwh"
    assert energy_kwh.sum() == pytest.approx(998.1, abs=0.5)


def test_profile_consumption_scales_with_annual_kwh():
    start, end = datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)
    per_1000_kwh = load_profile.profile_consumption_kwh(start=start, end=end, annual_kwh=1000)
    per_3500_kwh = load_profile.profile_consumption_kwh(start=start, end=end, annual_kwh=3500)
    power = load_profile.h0_quarter_hours(start=start, end=end)["power_w_per_1000kwh_a"]

    np.testing.assert_allclose(per_3500_kwh.to_numpy(), per_1000_kwh.to_numpy() * 3.5)
    np.testing.assert_allclose(per_1000_kwh.to_numpy(), power.to_numpy() * 0.25 / 1000)


def test_nationwide_public_holidays_2026():
    expected = {
        datetime.date(2026, 1, 1),
        datetime.date(2026, 4, 3),
        datetime.date(2026, 4, 6),
        datetime.date(2026, 5, 1),
        datetime.date(2026, 5, 14),
        datetime.date(2026, 5, 25),
        datetime.date(2026, 10, 3),
        datetime.date(2026, 12, 25),
        datetime.date(2026, 12, 26),
    }

    assert load_profile.nationwide_public_holidays(year=2026) == expected


@pytest.mark.parametrize("day", sorted(load_profile.nationwide_public_holidays(year=2026)))
def test_h0_holidays_get_sunday_profile(day):
    profile = one_day(day)
    season = profile["season"].iloc[0]
    expected = typical_day_w(season=season, day_type="sunday") * profile["dynamisation_factor"].iloc[0]

    assert set(profile["day_type"]) == {"sunday"}
    np.testing.assert_allclose(profile["power_w_per_1000kwh_a"].to_numpy(), expected)


@pytest.mark.parametrize(
    ("day", "day_type"),
    [
        (datetime.date(2026, 12, 24), "saturday"),  # Thursday
        (datetime.date(2026, 12, 31), "saturday"),  # Thursday
        (datetime.date(2023, 12, 24), "sunday"),  # Sunday
        (datetime.date(2026, 7, 18), "saturday"),
        (datetime.date(2026, 7, 19), "sunday"),
        (datetime.date(2026, 7, 20), "workday"),
        (datetime.date(2026, 11, 1), "sunday"),  # Sunday; All Saints' Day is only a regional holiday
        (datetime.date(2026, 11, 2), "workday"),
    ],
)
def test_h0_day_types(day, day_type):
    assert set(one_day(day)["day_type"]) == {day_type}


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (datetime.date(2026, 3, 20), "winter"),
        (datetime.date(2026, 3, 21), "transition"),
        (datetime.date(2026, 5, 14), "transition"),
        (datetime.date(2026, 5, 15), "summer"),
        (datetime.date(2026, 9, 14), "summer"),
        (datetime.date(2026, 9, 15), "transition"),
        (datetime.date(2026, 10, 31), "transition"),
        (datetime.date(2026, 11, 1), "winter"),
    ],
)
def test_h0_season_boundaries(day, season):
    assert set(one_day(day)["season"]) == {season}


@pytest.mark.parametrize(
    ("day", "factor"),
    [
        (datetime.date(2026, 1, 1), 1.2420),
        # F(50) = 1.20705 and F(250) = 0.84625 exactly, and ties round half up.
        (datetime.date(2026, 2, 19), 1.2071),
        (datetime.date(2026, 9, 7), 0.8463),
        (datetime.date(2024, 12, 31), 1.2597),  # day 366 of a leap year
    ],
)
def test_dynamisation_factor_values(day, factor):
    assert set(one_day(day)["dynamisation_factor"]) == {factor}


def test_h0_empty_range():
    day = datetime.date(2026, 5, 1)

    assert load_profile.h0_quarter_hours(start=day, end=day).empty
    assert load_profile.profile_consumption_kwh(start=day, end=day, annual_kwh=1000).empty


def test_h0_rejects_end_before_start():
    with pytest.raises(ValueError, match="end must not be before start"):
        load_profile.h0_quarter_hours(start=datetime.date(2026, 5, 2), end=datetime.date(2026, 5, 1))


def test_h0_rejects_datetime():
    with pytest.raises(TypeError, match=r"pass a datetime\.date"):
        load_profile.h0_quarter_hours(
            start=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), end=datetime.date(2026, 5, 2)
        )


@pytest.mark.parametrize("annual_kwh", [-1.0, float("nan"), float("inf")])
def test_profile_consumption_rejects_invalid_annual_kwh(annual_kwh):
    with pytest.raises(ValueError, match="annual consumption"):
        load_profile.profile_consumption_kwh(
            start=datetime.date(2026, 5, 1), end=datetime.date(2026, 5, 2), annual_kwh=annual_kwh
        )
