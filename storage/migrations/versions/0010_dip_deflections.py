"""dip deflections: requests the information map (DIP) answered before they were filed

Revision ID: 0010_dip_deflections
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0010_dip_deflections"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dip_deflection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_dip_deflection_created_at"), "dip_deflection", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dip_deflection_created_at"), table_name="dip_deflection")
    op.drop_table("dip_deflection")
