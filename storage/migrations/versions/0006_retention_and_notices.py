"""retention (UU 27/2022): notices' PDFs in a table of their own, referred to by their outbox
rows; when a request's identity data was purged

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import base64

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    notice = op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_notice_ticket_id"), "notice", ["ticket_id"], unique=False)
    with op.batch_alter_table("info_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_purged_at", storage.types.UtcDateTime(), nullable=True)
        )
    # Notices written before this revision carry their PDF inline ("b64"): move the bytes into
    # the new table so that no outbox row holds a file. There are few (one per decision).
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("method", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("ticket_id", sa.Integer()),
        sa.column("created_at", storage.types.UtcDateTime()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.payload, outbox.c.ticket_id, outbox.c.created_at).where(
            outbox.c.method == "document"
        )
    ).all()
    for row_id, payload, ticket_id, created_at in rows:
        if not isinstance(payload, dict) or "b64" not in payload:
            continue
        new_id = bind.execute(
            sa.insert(notice)
            .values(
                ticket_id=ticket_id,
                filename=str(payload.get("filename") or "dokumen.pdf")[:128],
                pdf=base64.b64decode(payload["b64"]),
                created_at=created_at,
            )
            .returning(notice.c.id)
        ).scalar_one()
        rest = {k: v for k, v in payload.items() if k != "b64"}
        bind.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id)
            .values(payload={**rest, "notice_id": new_id})
        )


def downgrade() -> None:
    with op.batch_alter_table("info_request", schema=None) as batch_op:
        batch_op.drop_column("identity_purged_at")
    op.drop_index(op.f("ix_notice_ticket_id"), table_name="notice")
    op.drop_table("notice")
