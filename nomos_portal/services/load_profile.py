"""BDEW H0 standard load profile as a quarter-hourly series for Berlin calendar days."""

from __future__ import annotations

import datetime
import functools
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from dateutil.easter import easter

BERLIN = ZoneInfo("Europe/Berlin")
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
H0_TYPICAL_DAYS_FILE = DATA_DIR / "bdew_slp_h0_typical_days.csv"

# The order of these tuples fixes the axes of the typical-day table and the category codes of the output.
SEASONS = ("winter", "summer", "transition")
DAY_TYPES = ("workday", "saturday", "sunday")
QUARTER_HOURS_PER_DAY = 96

# Coefficients of the BDEW dynamisation factor F(t) for H0, from the constant term up to t⁴ (t = day of the year).
DYNAMISATION_COEFFICIENTS = (
    Decimal("1.24"),
    Decimal("2.1e-3"),
    Decimal("-7.02e-5"),
    Decimal("3.2e-7"),
    Decimal("-3.92e-10"),
)
DYNAMISATION_STEP = Decimal("0.0001")


def quarter_hour_starts_utc(*, start: datetime.date, end: datetime.date) -> pd.DatetimeIndex:
    """Return the UTC start of every real quarter hour of the Berlin days from start to end.

    A day with the spring change to summer time has 92 quarter hours and a day with the autumn
    change back has 100, because the index counts elapsed time, not wall-clock times.

    Args:
        start: First Berlin calendar day.
        end: Day after the last Berlin calendar day (exclusive).

    Returns:
        A tz-aware UTC index named ``start_utc`` with 15-minute steps. It is empty if end equals start.

    Raises:
        TypeError: If start or end is not a ``datetime.date`` or is a ``datetime.datetime``.
        ValueError: If end is before start.
    """
    check_date_range(start=start, end=end)

    # Midnight exists exactly once in Berlin, because the clocks change at 02:00 or 03:00 local time.
    first_utc = pd.Timestamp(start).tz_localize(BERLIN).tz_convert("UTC")
    stop_utc = pd.Timestamp(end).tz_localize(BERLIN).tz_convert("UTC")
    return pd.date_range(first_utc, stop_utc, freq="15min", inclusive="left", name="start_utc")


def check_date_range(*, start: datetime.date, end: datetime.date) -> None:
    """Validate a range of calendar days given as start and exclusive end.

    Raises:
        TypeError: If start or end is not a ``datetime.date`` or is a ``datetime.datetime``.
        ValueError: If end is before start.
    """
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            msg = f"Invalid {name} {value!r}: pass a datetime.date (a calendar day without time)."
            raise TypeError(msg)

    if end < start:
        msg = f"Invalid date range {start.isoformat()}..{end.isoformat()}: end must not be before start."
        raise ValueError(msg)


def nationwide_public_holidays(*, year: int) -> frozenset[datetime.date]:
    """Return the 9 public holidays that all German federal states observe in a year.

    These are New Year's Day, Good Friday, Easter Monday, Labour Day (1 May), Ascension Day,
    Whit Monday, German Unity Day (3 October), Christmas Day and St Stephen's Day (26 December).
    Holidays of single federal states are not included.
    """
    easter_sunday = easter(year)
    return frozenset(
        {
            datetime.date(year, 1, 1),
            easter_sunday - datetime.timedelta(days=2),
            easter_sunday + datetime.timedelta(days=1),
            datetime.date(year, 5, 1),
            easter_sunday + datetime.timedelta(days=39),
            easter_sunday + datetime.timedelta(days=50),
            datetime.date(year, 10, 3),
            datetime.date(year, 12, 25),
            datetime.date(year, 12, 26),
        }
    )


def h0_quarter_hours(*, start: datetime.date, end: datetime.date) -> pd.DataFrame:
    """Build the dynamised BDEW H0 profile for each real quarter hour of the Berlin days start..end.

    The BDEW rules select one of 9 typical days for each calendar day:

    * Season: winter from 1 November to 20 March, summer from 15 May to 14 September, transition otherwise.
    * Day type: ``sunday`` for Sundays and nationwide public holidays, ``saturday`` for Saturdays and for
      24 and 31 December unless they are a Sunday, ``workday`` otherwise.
    * The typical day's value is multiplied by the dynamisation factor
      F(t) = -3.92e-10·t⁴ + 3.2e-7·t³ - 7.02e-5·t² + 2.1e-3·t + 1.24, where t is the day of the year and
      F is rounded half up to 4 decimals.

    Values are looked up by local wall-clock time. On the day of the spring clock change the hour
    02:00-03:00 does not exist and is left out. On the day of the autumn change the hour 02:00-03:00
    occurs twice, and both occurrences get the 02:xx values of the typical day.

    Args:
        start: First Berlin calendar day.
        end: Day after the last Berlin calendar day (exclusive).

    Returns:
        A frame indexed by ``start_utc`` (tz-aware UTC) with the columns ``season`` and ``day_type``
        (categorical), ``dynamisation_factor`` and ``power_w_per_1000kwh_a``. The power is the mean
        power in W of a customer with an annual consumption of 1,000 kWh.

    Raises:
        TypeError: If start or end is not a ``datetime.date`` or is a ``datetime.datetime``.
        ValueError: If end is before start.
    """
    starts_utc = quarter_hour_starts_utc(start=start, end=end)
    wall_clock = starts_utc.tz_convert(BERLIN).tz_localize(None)

    days = pd.date_range(start, end, freq="D", inclusive="left")
    season_codes = _season_codes(days)
    day_type_codes = _day_type_codes(days)
    factors = dynamisation_factors(days)

    # Each quarter hour refers to its Berlin calendar day by position and to its typical-day slot by wall clock.
    day_positions = (wall_clock.to_numpy().astype("datetime64[D]") - np.datetime64(start, "D")).astype(np.int64)
    slots = wall_clock.hour.to_numpy() * 4 + wall_clock.minute.to_numpy() // 15

    row_seasons = season_codes[day_positions]
    row_day_types = day_type_codes[day_positions]
    row_factors = factors[day_positions]
    typical_days = _h0_typical_days()
    power = typical_days[row_seasons, row_day_types, slots] * row_factors

    return pd.DataFrame(
        {
            "season": pd.Categorical.from_codes(row_seasons, categories=SEASONS),
            "day_type": pd.Categorical.from_codes(row_day_types, categories=DAY_TYPES),
            "dynamisation_factor": row_factors,
            "power_w_per_1000kwh_a": power,
        },
        index=starts_utc,
    )


def profile_consumption_kwh(*, start: datetime.date, end: datetime.date, annual_kwh: float) -> pd.Series:
    """Compute the H0 energy per quarter hour for a customer with the given annual consumption.

    The energy is W / 4000 × annual_kwh / 1000: a quarter hour is 1/4 h, and the profile is given per
    1,000 kWh/a. Because of the dynamisation the year's sum differs slightly from annual_kwh
    (998.1 kWh for 1,000 kWh/a in 2026).

    Args:
        start: First Berlin calendar day.
        end: Day after the last Berlin calendar day (exclusive).
        annual_kwh: Annual consumption in kWh (finite, not negative).

    Returns:
        The energy in kWh, named ``energy_kwh`` and indexed by ``start_utc`` (tz-aware UTC).

    Raises:
        TypeError: If start or end is not a ``datetime.date`` or is a ``datetime.datetime``.
        ValueError: If end is before start or annual_kwh is negative or not finite.
    """
    if not math.isfinite(annual_kwh) or annual_kwh < 0:
        msg = f"Invalid annual consumption {annual_kwh!r} kWh: pass a finite number of at least 0."
        raise ValueError(msg)

    power = h0_quarter_hours(start=start, end=end)["power_w_per_1000kwh_a"]
    energy_kwh = power / 4000 * annual_kwh / 1000
    return energy_kwh.rename("energy_kwh")


def dynamisation_factors(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the BDEW H0 dynamisation factor F(t) of each day, rounded to 4 decimals."""
    return _dynamisation_table()[days.day_of_year.to_numpy()]


@functools.cache
def _dynamisation_table() -> np.ndarray:
    """Compute F(t) for every day of the year t = 1..366 as a read-only array indexed by t.

    F is evaluated in exact decimal arithmetic and rounded half up. Binary floating point would round
    the exact tie F(250) = 0.84625 either way, depending on the order of the operations.
    """
    table = np.full(367, np.nan)
    for day_of_year in range(1, 367):
        factor = sum(coefficient * day_of_year**power for power, coefficient in enumerate(DYNAMISATION_COEFFICIENTS))
        table[day_of_year] = float(factor.quantize(DYNAMISATION_STEP, rounding=ROUND_HALF_UP))

    table.flags.writeable = False
    return table


def _season_codes(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the position in SEASONS of each day's H0 season."""
    month_day = days.month.to_numpy() * 100 + days.day.to_numpy()
    is_winter = (month_day >= 1101) | (month_day <= 320)
    is_summer = (month_day >= 515) & (month_day <= 914)
    codes = np.full(len(days), SEASONS.index("transition"), dtype=np.int64)
    codes[is_winter] = SEASONS.index("winter")
    codes[is_summer] = SEASONS.index("summer")
    return codes


def _day_type_codes(days: pd.DatetimeIndex) -> np.ndarray:
    """Return the position in DAY_TYPES of each day's H0 day type."""
    holidays: set[datetime.date] = set()
    for year in sorted({int(year) for year in days.year}):
        holidays |= nationwide_public_holidays(year=year)

    month_day = days.month.to_numpy() * 100 + days.day.to_numpy()
    weekday = days.day_of_week.to_numpy()
    is_holiday = days.isin(pd.DatetimeIndex(sorted(holidays)))
    is_sunday = (weekday == 6) | is_holiday
    # 24 and 31 December count as Saturday unless they are a Sunday, so the Sunday rule is applied last.
    is_saturday = (weekday == 5) | (month_day == 1224) | (month_day == 1231)

    codes = np.full(len(days), DAY_TYPES.index("workday"), dtype=np.int64)
    codes[is_saturday] = DAY_TYPES.index("saturday")
    codes[is_sunday] = DAY_TYPES.index("sunday")
    return codes


@functools.cache
def _h0_typical_days() -> np.ndarray:
    """Load the H0 typical days as a read-only array of W per 1,000 kWh/a by season, day type and slot."""
    frame = pd.read_csv(H0_TYPICAL_DAYS_FILE)
    hours = frame["interval_start"].str.slice(0, 2).astype(np.int64)
    minutes = frame["interval_start"].str.slice(3, 5).astype(np.int64)
    season_codes = frame["season"].map(SEASONS.index)
    day_type_codes = frame["day_type"].map(DAY_TYPES.index)
    slots = hours * 4 + minutes // 15

    table = np.full((len(SEASONS), len(DAY_TYPES), QUARTER_HOURS_PER_DAY), np.nan)
    table[season_codes, day_type_codes, slots] = frame["power_w_per_1000kwh_a"].to_numpy()
    if np.isnan(table).any() or len(frame) != table.size:
        msg = f"Invalid H0 table {H0_TYPICAL_DAYS_FILE}: expected exactly one value per season, day type and slot."
        raise ValueError(msg)

    table.flags.writeable = False
    return table
