"""Engagement: readings of published posts' figures and the schedule of the next reading

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import planner.models

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagementreading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("read_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("quotes", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engagementreading", schema=None) as batch_op:
        batch_op.create_index(
            "ix_engagementreading_post_channel", ["post_id", "channel_id", "read_at"]
        )
        batch_op.create_index("ix_engagementreading_channel_read", ["channel_id", "read_at"])
        batch_op.create_index(
            "ix_engagementreading_latest",
            ["post_id", "channel_id", "replies", "reposts", "quotes", "likes"],
            sqlite_where=sa.text("latest = 1"),
            postgresql_where=sa.text("latest = true"),
        )
        batch_op.create_index(
            batch_op.f("ix_engagementreading_workspace_id"), ["workspace_id"], unique=False
        )
    op.create_table(
        "engagementtrack",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("published_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("next_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("lease_expires_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    with op.batch_alter_table("engagementtrack", schema=None) as batch_op:
        batch_op.create_index("ix_engagementtrack_due", ["state", "next_at"])
        batch_op.create_index(
            batch_op.f("ix_engagementtrack_channel_id"), ["channel_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("engagementtrack", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagementtrack_channel_id"))
        batch_op.drop_index("ix_engagementtrack_due")
    op.drop_table("engagementtrack")
    with op.batch_alter_table("engagementreading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagementreading_workspace_id"))
        batch_op.drop_index("ix_engagementreading_latest")
        batch_op.drop_index("ix_engagementreading_channel_read")
        batch_op.drop_index("ix_engagementreading_post_channel")
    op.drop_table("engagementreading")
