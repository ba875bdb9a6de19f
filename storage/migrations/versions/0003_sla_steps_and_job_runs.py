"""sla steps and job runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "key", name="uq_job_run"),
    )
    op.create_table(
        "sla_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("notify", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("due_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fired_at", storage.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "round", "step", name="uq_sla_step"),
    )
    with op.batch_alter_table("sla_step", schema=None) as batch_op:
        batch_op.create_index("ix_sla_step_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        # Existing tickets start at round 0; the default only serves this migration.
        batch_op.add_column(
            sa.Column("sla_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("awaiting_since", storage.types.UtcDateTime(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("awaiting_since")
        batch_op.drop_column("sla_round")

    with op.batch_alter_table("sla_step", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_step_due")

    op.drop_table("sla_step")
    op.drop_table("job_run")
