"""create tenancy, customer and sign-in tables

Revision ID: 0001
Revises: 
Create Date: 2026-12-04 20:13:04.171556
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('org',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('logo', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('support_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('support_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('support_hours', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('support_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('company_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('vat_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('person', 'company')", name='ck_customer_type'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'email', name='uq_customer_org_email')
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_org_id'), ['org_id'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('color_primary', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('color_accent', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('color_surface', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('font_family', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('font_stylesheet_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('consumption', 'feed_in')", name='ck_plan_type'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_org_id'), ['org_id'], unique=False)

    op.create_table('sign_in_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_code_plan_email_created', ['plan_id', 'email', 'created_at'], unique=False)

    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('estimated_usage', sa.Integer(), nullable=False),
    sa.Column('start_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('terminated_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('address_street', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('address_house_number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('address_zip', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('address_city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('billing_address_street', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('billing_address_house_number', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('billing_address_zip', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('billing_address_city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('meter_number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('meter_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('meter_malo', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
    sa.Column('meter_melo', sqlmodel.sql.sqltypes.AutoString(length=33), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("meter_type IN ('smart', 'analog')", name='ck_subscription_meter_type'),
    sa.CheckConstraint("status IN ('pending', 'active', 'ended')", name='ck_subscription_status'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_plan_id'), ['plan_id'], unique=False)

    op.create_table('payment_method',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('account_holder', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('iban_encrypted', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('iban_masked', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('payment_method', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_method_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('portal_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handoff_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('handoff_expires_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_session_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_session_handoff_hash'), ['handoff_hash'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_session_handoff_hash'))
        batch_op.drop_index(batch_op.f('ix_portal_session_customer_id'))

    op.drop_table('portal_session')
    with op.batch_alter_table('payment_method', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_method_subscription_id'))

    op.drop_table('payment_method')
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_plan_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_customer_id'))

    op.drop_table('subscription')
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_code_plan_email_created')

    op.drop_table('sign_in_code')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_org_id'))

    op.drop_table('plan')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_org_id'))

    op.drop_table('customer')
    op.drop_table('org')
