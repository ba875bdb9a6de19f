"""objection commission: a dispute taken to the Komisi Informasi (UU 14/2008 Pasal 37)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("objection") as batch:
        batch.add_column(sa.Column("commission_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("commission_note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("objection") as batch:
        batch.drop_column("commission_note")
        batch.drop_column("commission_on")
