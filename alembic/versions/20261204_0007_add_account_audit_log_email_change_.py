"""add account audit log, email change codes and SEPA mandates

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:53:49.899857
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import nomos_portal.models.base


revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "email_change_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("email_change_code", schema=None) as batch_op:
        batch_op.create_index("ix_email_change_code_customer_created", ["customer_id", "created_at"], unique=False)

    op.create_table(
        "audit_log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_entry_customer_id"), ["customer_id"], unique=False)

    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sepa_creditor_id", sqlmodel.sql.sqltypes.AutoString(length=35), server_default="", nullable=False
            )
        )

    with op.batch_alter_table("payment_method", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("bic", sqlmodel.sql.sqltypes.AutoString(length=11), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "mandate_reference", sqlmodel.sql.sqltypes.AutoString(length=35), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("mandate_signed_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("replaced_at", nomos_portal.models.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allows_bank_transfer", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("allows_bank_transfer")

    with op.batch_alter_table("payment_method", schema=None) as batch_op:
        batch_op.drop_column("replaced_at")
        batch_op.drop_column("mandate_signed_at")
        batch_op.drop_column("mandate_reference")
        batch_op.drop_column("bic")
        batch_op.drop_column("bank_name")

    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_column("sepa_creditor_id")

    with op.batch_alter_table("audit_log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_entry_customer_id"))

    op.drop_table("audit_log_entry")
    with op.batch_alter_table("email_change_code", schema=None) as batch_op:
        batch_op.drop_index("ix_email_change_code_customer_created")

    op.drop_table("email_change_code")
