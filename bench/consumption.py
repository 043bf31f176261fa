"""Time the year view's aggregation: 35,040 quarter hours with their prices, median of 20 runs.

Run with `source scripts/env.sh && python bench/consumption.py`. The data is
generated in memory (H0 profile for 3,500 kWh/a and a price curve), so the
figure measures `consumption.aggregate` alone, not the database.
The last line reads `year_aggregation_ms=<median>`.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nomos_portal.services import consumption, load_profile

RUNS = 20


def main() -> None:
    """Print the timing of each view and the median for the year view last."""
    year = consumption.period_for("year", datetime.date(2025, 1, 1))
    energy = load_profile.profile_consumption_kwh(start=year.start, end=year.end, annual_kwh=3500)
    intervals = pd.DataFrame({"energy_kwh": energy.to_numpy(), "state": "final"}, index=energy.index.rename("start_at"))
    hours = np.arange(len(intervals)) / 4
    prices = pd.Series(30 + 10 * np.sin(hours / 24 * 2 * np.pi), index=intervals.index)
    print(f"intervals={len(intervals)}")

    for view, anchor in (("day", datetime.date(2025, 10, 26)), ("month", datetime.date(2025, 3, 1))):
        period = consumption.period_for(view, anchor)
        start = time.perf_counter()
        bars = consumption.aggregate(intervals, prices, period=period)
        print(f"{view}_view_ms={(time.perf_counter() - start) * 1000:.1f} bars={len(bars)}")

    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        bars = consumption.aggregate(intervals, prices, period=year)
        timings.append((time.perf_counter() - start) * 1000)
    total = float(consumption.total_kwh(bars))
    print(f"year_bars={len(bars)} total_kwh={total:.3f} raw_kwh={intervals['energy_kwh'].sum():.3f}")
    print(f"year_aggregation_ms={statistics.median(timings):.1f}")


if __name__ == "__main__":
    main()
