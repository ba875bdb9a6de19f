"""tickets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "counter",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "officer",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("duty", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("duty_changed_at", storage.types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("first_response_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("last_citizen_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("last_officer_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("closed_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_citizen_status", ["citizen_id", "status"], unique=False)
        batch_op.create_index("ix_ticket_topic", ["staff_chat_id", "topic_id"], unique=False)

    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_event_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("author_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_message_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_foreign_key("fk_message_ticket", "ticket", ["ticket_id"], ["id"])

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_outbox_sent_message", ["chat_id", "external_message_id"], unique=False
        )
        batch_op.create_foreign_key("fk_outbox_ticket", "ticket", ["ticket_id"], ["id"])


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outbox_ticket", type_="foreignkey")
        batch_op.drop_index("ix_outbox_sent_message")
        batch_op.drop_column("ticket_id")

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint("fk_message_ticket", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_message_ticket_id"))
        batch_op.drop_column("author_id")
        batch_op.drop_column("ticket_id")

    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_event_ticket_id"))

    op.drop_table("ticket_event")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_topic")
        batch_op.drop_index("ix_ticket_citizen_status")

    op.drop_table("ticket")
    op.drop_table("officer")
    op.drop_table("counter")
