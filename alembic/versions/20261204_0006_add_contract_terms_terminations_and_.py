"""add contract terms, terminations and meter swaps

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:33:14.236199
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('meter_swap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('swapped_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('old_meter_number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('old_final_reading_kwh', sa.Numeric(precision=12, scale=1), nullable=False),
    sa.Column('new_meter_number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('new_start_reading_kwh', sa.Numeric(precision=12, scale=1), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meter_swap', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_swap_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('termination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('intended_end_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('new_address_street', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('new_address_house_number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('new_address_zip', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('new_address_city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('ORDINARY', 'MOVE_OUT', 'WITHDRAWAL')", name='ck_termination_reason'),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'withdrawn')", name='ck_termination_status'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('termination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_termination_subscription_id'), ['subscription_id'], unique=False)

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minimum_term_months', sa.Integer(), server_default='12', nullable=False))
        batch_op.add_column(sa.Column('notice_period', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('notice_period_unit', sqlmodel.sql.sqltypes.AutoString(length=6), server_default='months', nullable=False))
        batch_op.add_column(sa.Column('notice_to_month_end', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('minimum_term_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_period', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_period_unit', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_column('notice_period_unit')
        batch_op.drop_column('notice_period')
        batch_op.drop_column('minimum_term_months')
        batch_op.drop_column('confirmed_at')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('notice_to_month_end')
        batch_op.drop_column('notice_period_unit')
        batch_op.drop_column('notice_period')
        batch_op.drop_column('minimum_term_months')

    with op.batch_alter_table('termination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_termination_subscription_id'))

    op.drop_table('termination')
    with op.batch_alter_table('meter_swap', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_swap_subscription_id'))

    op.drop_table('meter_swap')
