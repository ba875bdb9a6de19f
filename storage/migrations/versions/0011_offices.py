"""offices: a network of offices on one bot; citizens and tickets carry their office

Revision ID: 0011_offices
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401 - the brief's rule for every migration
from alembic import op

revision = "0011_offices"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citizen") as batch:
        batch.add_column(sa.Column("office", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("office_choosing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("office", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("transferred_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("transferred_to", sa.Integer(), nullable=True))
        batch.create_index("ix_ticket_office_status", ["office", "status"])


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_index("ix_ticket_office_status")
        batch.drop_column("transferred_to")
        batch.drop_column("transferred_from")
        batch.drop_column("office")
    with op.batch_alter_table("citizen") as batch:
        batch.drop_column("office_choosing")
        batch.drop_column("office")
