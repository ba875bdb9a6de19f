"""unanswered questions an officer answered with an FAQ entry (/faq): candidate phrasings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unanswered_question", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "taught_entry_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("unanswered_question", schema=None) as batch_op:
        batch_op.drop_column("taught_entry_id")
