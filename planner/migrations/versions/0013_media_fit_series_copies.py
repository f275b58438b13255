"""Instagram fit per image on a post; the texts per channel and images a series copies

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postmedia", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fit", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    with op.batch_alter_table("recurringseries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variants", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("media", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("recurringseries", schema=None) as batch_op:
        batch_op.drop_column("media")
        batch_op.drop_column("variants")
    with op.batch_alter_table("postmedia", schema=None) as batch_op:
        batch_op.drop_column("fit")
