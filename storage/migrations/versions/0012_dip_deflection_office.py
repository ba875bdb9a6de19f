"""dip deflection office: the office whose map a deflection happened in

Revision ID: 0012_dip_deflection_office
Revises: 0011_offices
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401 - the brief's rule for every migration
from alembic import op

revision = "0012_dip_deflection_office"
down_revision = "0011_offices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dip_deflection") as batch:
        batch.add_column(sa.Column("office", sa.String(length=32), nullable=True))
    # Rows from before: the citizen's office now is the best that is known (NULL without one).
    op.execute(
        "UPDATE dip_deflection SET office = "
        "(SELECT citizen.office FROM citizen WHERE citizen.id = dip_deflection.citizen_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("dip_deflection") as batch:
        batch.drop_column("office")
