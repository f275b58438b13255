"""planning: posting slots, recurring series, evergreen marks and month plan proposals

Revision ID: 0007
Revises: 0002
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import planner.models

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postingslot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "weekday", "local_time", name="uq_posting_slot"),
    )
    with op.batch_alter_table("postingslot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postingslot_channel_id"), ["channel_id"])
        batch_op.create_index(batch_op.f("ix_postingslot_workspace_id"), ["workspace_id"])

    op.create_table(
        "recurringseries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("rrule", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("starts_local", sa.DateTime(timezone=False), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("materialised_until", planner.models.UTCDateTime(), nullable=False),
        sa.Column("ends_before", planner.models.UTCDateTime(), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recurringseries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recurringseries_workspace_id"), ["workspace_id"])

    op.create_table(
        "seriesoccurrence",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["series_id"], ["recurringseries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id"),
        sa.UniqueConstraint("series_id", "occurrence_at", name="uq_series_occurrence"),
    )
    with op.batch_alter_table("seriesoccurrence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seriesoccurrence_series_id"), ["series_id"])

    op.create_table(
        "evergreenmark",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("min_gap_days", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("last_used_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id"),
    )
    with op.batch_alter_table("evergreenmark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evergreenmark_workspace_id"), ["workspace_id"])

    op.create_table(
        "planproposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("placements", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", planner.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("planproposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planproposal_workspace_id"), ["workspace_id"])


def downgrade() -> None:
    for table in ("planproposal", "evergreenmark", "seriesoccurrence", "recurringseries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            index = "ix_seriesoccurrence_series_id" if table == "seriesoccurrence" else None
            batch_op.drop_index(batch_op.f(index or f"ix_{table}_workspace_id"))
        op.drop_table(table)
    with op.batch_alter_table("postingslot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postingslot_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_postingslot_channel_id"))
    op.drop_table("postingslot")
