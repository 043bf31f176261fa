"""add org address and vat id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:45:48.868612
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address_street", sqlmodel.sql.sqltypes.AutoString(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("address_zip", sqlmodel.sql.sqltypes.AutoString(length=10), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("address_city", sqlmodel.sql.sqltypes.AutoString(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("vat_id", sqlmodel.sql.sqltypes.AutoString(length=20), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_column("vat_id")
        batch_op.drop_column("address_city")
        batch_op.drop_column("address_zip")
        batch_op.drop_column("address_street")
