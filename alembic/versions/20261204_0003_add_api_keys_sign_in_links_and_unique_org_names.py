"""add api keys, sign-in links and unique org names

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:11:03.165207
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name='fk_api_key_org_id_org'),
    sa.PrimaryKeyConstraint('id', name='pk_api_key'),
    sa.UniqueConstraint('prefix', name='uq_api_key_prefix')
    )
    op.create_index('ix_api_key_org_id', 'api_key', ['org_id'], unique=False)

    op.create_table('sign_in_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('next_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name='fk_sign_in_link_api_key_id_api_key'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name='fk_sign_in_link_customer_id_customer'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name='fk_sign_in_link_plan_id_plan'),
    sa.PrimaryKeyConstraint('id', name='pk_sign_in_link'),
    sa.UniqueConstraint('token_hash', name='uq_sign_in_link_token_hash')
    )
    op.create_index('ix_sign_in_link_customer_id', 'sign_in_link', ['customer_id'], unique=False)

    # An index, not a constraint: SQLite would have to rebuild the org table for a constraint.
    op.create_index('ix_org_name', 'org', ['name'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_org_name', table_name='org')
    op.drop_index('ix_sign_in_link_customer_id', table_name='sign_in_link')
    op.drop_table('sign_in_link')
    op.drop_index('ix_api_key_org_id', table_name='api_key')
    op.drop_table('api_key')
