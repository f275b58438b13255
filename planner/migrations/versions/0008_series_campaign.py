"""Merge the feature branches; a repeating post's campaign tag

Revision ID: 0008
Revises: 0003, 0005, 0006, 0007
Create Date: 2026-11-30 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = ("0003", "0005", "0006", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recurringseries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("utm_campaign", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("recurringseries", schema=None) as batch_op:
        batch_op.drop_column("utm_campaign")
