"""delivery status of outgoing messages; longer message ids (WhatsApp); chosen language

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language_chosen", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("delivery_at", storage.types.UtcDateTime(), nullable=True))
        # A WhatsApp message id ("wamid.HBgL...") can be longer than 64 characters.
        batch_op.alter_column(
            "external_message_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_nullable=True,
        )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.alter_column(
            "external_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=128),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("citizen", schema=None) as batch_op:
        batch_op.drop_column("language_chosen")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.alter_column(
            "external_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=128),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=True,
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "external_message_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=128),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=True,
        )
        batch_op.drop_column("delivery_at")
        batch_op.drop_column("delivery_status")
