"""add note and submission id to meter readings

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:10:13.983456
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.alter_column('source',
               existing_type=sa.VARCHAR(length=10),
               type_=sqlmodel.sql.sqltypes.AutoString(length=20),
               existing_nullable=False)
        batch_op.create_unique_constraint('uq_meter_reading_submission_id', ['submission_id'])

    # Reading types as the Nomos API names them.
    op.execute("UPDATE meter_reading SET source = 'customer_report' WHERE source = 'customer'")
    op.execute("UPDATE meter_reading SET source = 'grid_reading' WHERE source = 'operator'")
    op.execute("UPDATE meter_reading SET source = 'grid_estimation' WHERE source = 'estimated'")



def downgrade() -> None:
    op.execute("UPDATE meter_reading SET source = 'customer' WHERE source = 'customer_report'")
    op.execute("UPDATE meter_reading SET source = 'operator' WHERE source = 'grid_reading'")
    op.execute("UPDATE meter_reading SET source = 'estimated' WHERE source = 'grid_estimation'")
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.drop_constraint('uq_meter_reading_submission_id', type_='unique')
        batch_op.alter_column('source',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.drop_column('submission_id')
        batch_op.drop_column('note')

