"""add spot prices, price components and meter data

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:37:11.994126
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('grid_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('grid_fee_ct_per_kwh', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('grid_basic_fee_eur_per_year', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('concession_levy_ct_per_kwh', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('metering_fee_eur_per_year', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('operator')
    )
    op.create_table('levy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('ct_per_kwh', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'valid_from', name='uq_levy_code_valid_from')
    )
    op.create_table('spot_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bidding_zone', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('start_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('price_eur_per_mwh', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('resolution_minutes IN (15, 60)', name='ck_spot_price_resolution'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bidding_zone', 'start_at', 'is_demo', name='uq_spot_price_zone_start_demo')
    )
    op.create_table('consumption_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('start_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('energy_kwh', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.CheckConstraint("state IN ('final', 'preliminary', 'substitute')", name='ck_consumption_interval_state'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'start_at', name='uq_consumption_interval_subscription_start')
    )
    op.create_table('meter_reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('meter_number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('read_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('value_kwh', sa.Numeric(precision=12, scale=1), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_reading_subscription_id'), ['subscription_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        # Existing plans start without a margin; operators set it per plan.
        batch_op.add_column(
            sa.Column('procurement_margin_ct_per_kwh', sa.Numeric(precision=8, scale=4), nullable=False, server_default='0')
        )

    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_area_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_subscription_grid_area_id', 'grid_area', ['grid_area_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_constraint('fk_subscription_grid_area_id', type_='foreignkey')
        batch_op.drop_column('grid_area_id')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('procurement_margin_ct_per_kwh')

    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_reading_subscription_id'))

    op.drop_table('meter_reading')
    op.drop_table('consumption_interval')
    op.drop_table('spot_price')
    op.drop_table('levy')
    op.drop_table('grid_area')
