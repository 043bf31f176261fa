"""Real hourly household consumption from 2016 (OPSD, Konstanz), replayed on other dates as quarter hours."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from nomos_portal.services.load_profile import BERLIN, check_date_range, quarter_hour_starts_utc

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HOUSEHOLD_METER_FILE = DATA_DIR / "household_meter_opsd_de_kn_residential4_hourly.csv"

# 2016 is the only complete calendar year in the meter data (2015-10-04 to 2017-02-09).
SOURCE_YEAR = 2016
SOURCE_YEAR_START = datetime.date(SOURCE_YEAR, 1, 1)
SOURCE_YEAR_DAYS = 366
# 52 weeks. A shift by a multiple of it keeps the weekday.
REPLAY_STEP_DAYS = 364


def source_date_for(*, target: datetime.date) -> datetime.date:
    """Return the 2016 day whose recorded consumption is replayed on a target day.

    The source day lies a whole number of 52-week steps (364 days) before or after the target, so
    both are the same weekday. Every target day has one such day in 2016, and two if the
    candidate is 1 or 2 January (then 30 or 31 December is the other one). Of two candidates, the one
    nearer to the target's month and day wins, counted around the turn of the year.

    Because 52 weeks are one or two days shorter than a year, the source day drifts away from the
    target's month and day by about 1.24 days per year after 2016. For target days from 2024 to 2028
    the drift is at most 17 days, so the seasons still match.

    Args:
        target: Any calendar day.

    Returns:
        A day in 2016 with the same weekday as target.
    """
    offset_days = (target - SOURCE_YEAR_START).days % REPLAY_STEP_DAYS
    candidates = [SOURCE_YEAR_START + datetime.timedelta(days=offset_days)]
    later = candidates[0] + datetime.timedelta(days=REPLAY_STEP_DAYS)
    if later.year == SOURCE_YEAR:
        candidates.append(later)

    # 2016 is a leap year, so every month and day (29 February too) exists in it.
    same_day_in_source_year = target.replace(year=SOURCE_YEAR)

    def calendar_distance_days(candidate: datetime.date) -> int:
        distance = abs((candidate - same_day_in_source_year).days)
        return min(distance, SOURCE_YEAR_DAYS - distance)

    return min(candidates, key=calendar_distance_days)


def real_household_consumption_kwh(*, start: datetime.date, end: datetime.date) -> pd.Series:
    """Replay the measured grid import of a Konstanz household on the Berlin days from start to end.

    The source is the hourly grid import of OPSD household ``DE_KN_residential4`` (a single-family
    house with PV, a heat pump and an electric vehicle). The consumption of an hour is the difference
    between two consecutive cumulative meter readings.

    Each target day replays the 2016 day that ``source_date_for`` selects: the same weekday, a whole
    number of 52-week steps away and at most a few weeks away in the calendar. Hours are matched by
    local wall-clock time, and each hour's energy is split into four equal quarter hours. So a target
    day has 92, 96 or 100 quarter hours like any Berlin day:

    * On the day of the spring clock change the target's wall-clock hour 02:00-03:00 does not exist,
      so the source's 02:00 hour is not used.
    * On the day of the autumn change the target's hour 02:00-03:00 occurs twice, and both occurrences
      replay the source's 02:00 hour.

    The source's own clock changes are handled as follows. The meter file's ``utc_timestamp`` is local
    wall-clock time (see SOURCES.md in the data folder), so the file has 24 rows on every day. On
    2016-10-30 its 02:00 row contains the energy of both real 02:00 hours and is halved here. On
    2016-03-27 OPSD filled the non-existent hour 02:00 by linear interpolation, and that value is kept.

    NOTE: OPSD documents ``utc_timestamp`` as UTC. Reading it as wall-clock time rests on the patterns in
    the data (DST rows, lunch peak, PV hours) that SOURCES.md in the data folder lists.

    Args:
        start: First Berlin calendar day.
        end: Day after the last Berlin calendar day (exclusive).

    Returns:
        Energy in kWh per quarter hour, named ``energy_kwh`` and indexed by ``start_utc`` (tz-aware UTC).
        A quarter hour is NaN, never 0, where the meter data has a gap or a reading that went down.

    Raises:
        TypeError: If start or end is not a ``datetime.date`` or is a ``datetime.datetime``.
        ValueError: If end is before start.
    """
    check_date_range(start=start, end=end)
    starts_utc = quarter_hour_starts_utc(start=start, end=end)
    wall_clock = starts_utc.tz_convert(BERLIN).tz_localize(None)

    days = pd.date_range(start, end, freq="D", inclusive="left")
    shift_days = np.array(
        [(day.date() - source_date_for(target=day.date())).days for day in days],
        dtype=np.int64,
    )
    day_positions = (wall_clock.to_numpy().astype("datetime64[D]") - np.datetime64(start, "D")).astype(np.int64)
    source_hours = wall_clock.floor("h") - pd.to_timedelta(shift_days[day_positions], unit="D")

    hourly_kwh = _hourly_grid_import_kwh()
    positions = hourly_kwh.index.get_indexer(source_hours)
    # Every 2016 wall-clock hour is in the file, so a position of -1 only guards against a damaged file.
    energy_kwh = np.where(positions >= 0, hourly_kwh.to_numpy()[positions] / 4, np.nan)

    return pd.Series(energy_kwh, index=starts_utc, name="energy_kwh")


@functools.cache
def _hourly_grid_import_kwh() -> pd.Series:
    """Load the grid import per hour in kWh, indexed by the naive Berlin wall-clock start of the hour.

    Callers must not modify the returned series, because it is cached.

    Raises:
        ValueError: If the file repeats a wall-clock hour.
    """
    frame = pd.read_csv(HOUSEHOLD_METER_FILE, usecols=["utc_timestamp", "grid_import_kwh_cumulative"])
    # The "Z" is dropped on purpose: the values are Berlin wall-clock times.
    wall_clock = pd.DatetimeIndex(
        pd.to_datetime(frame["utc_timestamp"].str.removesuffix("Z"), format="%Y-%m-%dT%H:%M:%S"),
        name="wall_clock_start",
    )
    if not wall_clock.is_unique:
        msg = f"Invalid meter file {HOUSEHOLD_METER_FILE}: a wall-clock hour occurs more than once."
        raise ValueError(msg)

    # OPSD resampled the readings to the last value within each hour (processing.ipynb in
    # github.com/isc-konstanz/household_data), so a row's difference to the previous row is its own hour.
    readings_kwh = pd.Series(frame["grid_import_kwh_cumulative"].to_numpy(), index=wall_clock)
    hourly_kwh = readings_kwh.diff()
    is_next_hour = wall_clock.to_series().diff() == pd.Timedelta(hours=1)
    hourly_kwh = hourly_kwh.where(is_next_hour.to_numpy() & (hourly_kwh >= 0))

    # The wall-clock hour 02:00 of an autumn clock change lasted two real hours.
    is_repeated_hour = wall_clock.tz_localize(BERLIN, ambiguous="NaT", nonexistent="shift_forward").isna()
    hourly_kwh[is_repeated_hour] /= 2

    return hourly_kwh.rename("energy_kwh")
