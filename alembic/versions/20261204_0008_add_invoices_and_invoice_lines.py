"""add invoices and invoice lines

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:07:17.057633
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel

import nomos_portal.models.base
from alembic import op

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("voids_invoice_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=14), nullable=False),
        sa.Column("period_start", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_number", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issued_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("usage", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("created_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(type = 'void') = (voids_invoice_id IS NOT NULL)", name="ck_invoice_void_target"),
        sa.CheckConstraint("status IN ('open', 'paid', 'voided', 'uncollectible')", name="ck_invoice_status"),
        sa.CheckConstraint("type IN ('usage', 'prepayment', 'void')", name="ck_invoice_type"),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscription.id"], name="fk_invoice_subscription_id_subscription"
        ),
        sa.ForeignKeyConstraint(["voids_invoice_id"], ["invoice.id"], name="fk_invoice_voids_invoice_id_invoice"),
        sa.PrimaryKeyConstraint("id", name="pk_invoice"),
        sa.UniqueConstraint("invoice_number", name="uq_invoice_invoice_number"),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index("ix_invoice_subscription_issued", ["subscription_id", "issued_at"], unique=False)

    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("description_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("description_params", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("description_text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("unit_price_net", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("net_eur", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("gross_eur", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoice.id"], name="fk_invoice_line_invoice_id_invoice"),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_line"),
        sa.UniqueConstraint("invoice_id", "position", name="uq_invoice_line_invoice_position"),
    )
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_line_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_line_invoice_id"))

    op.drop_table("invoice_line")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_subscription_issued")
        batch_op.drop_index(batch_op.f("ix_invoice_subscription_id"))

    op.drop_table("invoice")
