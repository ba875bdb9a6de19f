"""information requests and objections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "form_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("citizen_id"),
    )
    op.create_table(
        "info_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("requester_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "id_document_file_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True
        ),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("occupation", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("obtain", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("receive", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("exemption", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("decided_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("notice_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("ground", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", storage.types.UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["info_request.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_request_id"), ["request_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_request_id"))

    op.drop_table("objection")
    op.drop_table("info_request")
    op.drop_table("form_state")
