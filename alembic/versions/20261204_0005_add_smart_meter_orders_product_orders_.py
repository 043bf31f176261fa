"""add smart meter orders, product orders and support messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:37:34.215017
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('support_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name='fk_support_message_customer_id_customer'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name='fk_support_message_plan_id_plan'),
    sa.PrimaryKeyConstraint('id', name='pk_support_message')
    )
    with op.batch_alter_table('support_message', schema=None) as batch_op:
        batch_op.create_index('ix_support_message_plan_customer_created', ['plan_id', 'customer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_support_message_plan_email_created', ['plan_id', 'email', 'created_at'], unique=False)

    op.create_table('meter_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('appointment_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('blocked_reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('cancelled_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("blocked_reason IS NULL OR blocked_reason IN ('check_missing', 'grid_operator_registration')", name='ck_meter_order_blocked_reason'),
    sa.CheckConstraint("status IN ('created', 'placed', 'check_submitted', 'check_reviewed', 'scheduled', 'installed', 'activated', 'cancelled')", name='ck_meter_order_status'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name='fk_meter_order_subscription_id_subscription'),
    sa.PrimaryKeyConstraint('id', name='pk_meter_order')
    )
    with op.batch_alter_table('meter_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_order_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('product_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('product_code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('saving_eur_per_year', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('intended', 'ordered', 'rejected', 'activated', 'ended')", name='ck_product_order_status'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name='fk_product_order_subscription_id_subscription'),
    sa.PrimaryKeyConstraint('id', name='pk_product_order')
    )
    with op.batch_alter_table('product_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_order_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('product_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_order_subscription_id'))

    op.drop_table('product_order')
    with op.batch_alter_table('meter_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_order_subscription_id'))

    op.drop_table('meter_order')
    with op.batch_alter_table('support_message', schema=None) as batch_op:
        batch_op.drop_index('ix_support_message_plan_email_created')
        batch_op.drop_index('ix_support_message_plan_customer_created')

    op.drop_table('support_message')
