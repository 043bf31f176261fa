"""add consumption day totals

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:26:41.547980
"""

import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel

import nomos_portal.models.base
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BERLIN = ZoneInfo("Europe/Berlin")
STATE_RANK = {"substitute": 0, "preliminary": 1, "final": 2}


def upgrade() -> None:
    consumption_day = op.create_table(
        "consumption_day",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column("energy_kwh", sa.Float(), nullable=False),
        sa.Column("min_kwh", sa.Float(), nullable=False),
        sa.Column("max_kwh", sa.Float(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("priced_count", sa.Integer(), nullable=False),
        sa.Column("priced_kwh", sa.Float(), nullable=False),
        sa.Column("spot_eur_kwh_per_mwh", sa.Float(), nullable=False),
        sa.Column("price_count", sa.Integer(), nullable=False),
        sa.Column("price_last_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"]),
        sa.PrimaryKeyConstraint("subscription_id", "day"),
    )
    _sum_stored_intervals(consumption_day)


def _sum_stored_intervals(consumption_day: sa.Table) -> None:
    """Sum the intervals already stored per subscription and Berlin day.

    The spot part is left out (`price_count` -1): the portal sums it when a chart first reads the day.

    NOTE: this reads every stored interval once. On SQLite it took 0.65 s for 172,196 intervals
    on a 2-core machine, so a year of 15-minute data for 10,000 meters (350 million rows) needs
    roughly 20 minutes or more, an estimate that was not run.
    """
    interval = sa.table(
        "consumption_interval",
        sa.column("subscription_id", sa.Integer()),
        sa.column("start_at", nomos_portal.models.base.UTCDateTime()),
        sa.column("energy_kwh", sa.Float()),
        sa.column("state", sa.String()),
    )
    connection = op.get_bind()
    subscription_ids = connection.execute(sa.select(interval.c.subscription_id).distinct()).scalars().all()
    for subscription_id in subscription_ids:
        days: dict[datetime.date, dict] = {}
        rows = connection.execute(
            sa.select(interval.c.start_at, interval.c.energy_kwh, interval.c.state).where(
                interval.c.subscription_id == subscription_id
            )
        )
        for start_at, stored_energy, state in rows:
            energy = float(stored_energy)
            day = start_at.astimezone(BERLIN).date()
            total = days.setdefault(
                day,
                {"interval_count": 0, "energy_kwh": 0.0, "min_kwh": energy, "max_kwh": energy, "rank": 2},
            )
            total["interval_count"] += 1
            total["energy_kwh"] += energy
            total["min_kwh"] = min(total["min_kwh"], energy)
            total["max_kwh"] = max(total["max_kwh"], energy)
            total["rank"] = min(total["rank"], STATE_RANK.get(state, 0))
        states = {rank: state for state, rank in STATE_RANK.items()}
        values = [
            {
                "subscription_id": subscription_id,
                "day": day,
                "interval_count": total["interval_count"],
                "energy_kwh": total["energy_kwh"],
                "min_kwh": total["min_kwh"],
                "max_kwh": total["max_kwh"],
                "state": states[total["rank"]],
                "priced_count": 0,
                "priced_kwh": 0.0,
                "spot_eur_kwh_per_mwh": 0.0,
                "price_count": -1,
                "price_last_id": None,
            }
            for day, total in days.items()
        ]
        if values:
            op.bulk_insert(consumption_day, values)


def downgrade() -> None:
    op.drop_table("consumption_day")
