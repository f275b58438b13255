"""The inbox's read budget: what each channel has left, and when each post was last looked at

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import planner.models

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inboxpoll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_credit", sa.Float(), nullable=True))

    op.create_table(
        "inboxpostlook",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("looked_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("delivery_id"),
    )


def downgrade() -> None:
    op.drop_table("inboxpostlook")
    with op.batch_alter_table("inboxpoll", schema=None) as batch_op:
        batch_op.drop_column("read_credit")
