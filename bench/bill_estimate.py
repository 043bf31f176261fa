"""Time the overview's next-bill estimate early and late in a month, median of 20 runs each.

Run with `source scripts/env.sh && python bench/bill_estimate.py`. The script
seeds a fresh SQLite database in a temporary folder (demo tenants, the stored
real day-ahead prices and a year of meter data up to 31 March 2026), then
times `bill_estimate.estimate_next_bill` for the smart-meter customer Jonas
Becker on 4 March (three days of intervals) and on 31 March (a whole month:
about 3,000 intervals and prices). The overview runs this on every visit.
The last line reads `bill_estimate_month_end_ms=<median>`.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nomos_portal.models import Customer, Plan, Subscription
from nomos_portal.services import bill_estimate
from nomos_portal.services.seed import seed_demo_data, seed_demo_meter_data, seed_demo_prices
from tests.conftest import TEST_SECRET_KEY, migrate

RUNS = 20
CUSTOMER_EMAIL = "jonas.becker@example.com"
METER_DATA_UNTIL = datetime.datetime(2026, 4, 1, 0, 0, tzinfo=datetime.UTC)
MOMENTS = {
    "month_start": datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC),
    "month_end": datetime.datetime(2026, 3, 31, 20, 0, tzinfo=datetime.UTC),
}


def median_ms(session: Session, *, plan: Plan, subscription: Subscription, now: datetime.datetime) -> float:
    """Estimate the bill RUNS times after one untimed run; return the median in milliseconds."""
    estimate = bill_estimate.estimate_next_bill(session, plan=plan, subscription=subscription, now=now, demo_mode=False)
    assert estimate is not None, f"no estimate for {now}"
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        bill_estimate.estimate_next_bill(session, plan=plan, subscription=subscription, now=now, demo_mode=False)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"  {now.date()}: {estimate.amount_eur} EUR for {estimate.consumption_kwh} kWh")
    return statistics.median(timings)


def main() -> None:
    """Seed the database, then print the median for the month's start and its end last."""
    with tempfile.TemporaryDirectory(prefix="nomos-bill-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'portal.db'}"
        migrate(url)
        engine = sa.create_engine(url)
        with Session(engine) as session:
            seed_demo_data(session, secret_key=TEST_SECRET_KEY)
            seed_demo_prices(session)
            seed_demo_meter_data(session, now=METER_DATA_UNTIL)

            customer = session.exec(select(Customer).where(Customer.email == CUSTOMER_EMAIL)).one()
            subscription = session.exec(select(Subscription).where(Subscription.customer_id == customer.id)).first()
            assert subscription is not None and subscription.meter_type == "smart"
            plan = session.get(Plan, subscription.plan_id)
            assert plan is not None
            results = {
                name: median_ms(session, plan=plan, subscription=subscription, now=now) for name, now in MOMENTS.items()
            }
        engine.dispose()
    print(f"bill_estimate_month_start_ms={results['month_start']:.1f}")
    print(f"bill_estimate_month_end_ms={results['month_end']:.1f}")


if __name__ == "__main__":
    main()
