"""The replies inbox: items, answers sent exactly once, per-channel looks, digest opt-ins

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 20:09:57.392087
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import planner.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inboxdigest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("last_sent_at", planner.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "workspace_id", name="uq_inboxdigest_user_workspace"),
    )
    with op.batch_alter_table("inboxdigest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inboxdigest_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "inboxitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("author_handle", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("author_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("received_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("fetched_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("done_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("answered_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("answer_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "external_id", name="uq_inboxitem_channel_external"),
    )
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboxitem_post_id"), ["post_id"], unique=False)
        batch_op.create_index(
            "ix_inboxitem_workspace_status", ["workspace_id", "status", "received_at"], unique=False
        )

    op.create_table(
        "inboxpoll",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("deferred_until", planner.models.UTCDateTime(), nullable=True),
        sa.Column("lease_expires_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("last_polled_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("mentions_since", planner.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel_id"),
    )
    op.create_table(
        "inboxanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("lease_expires_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("external_url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("published_at", planner.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", planner.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["inboxitem.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inboxanswer", schema=None) as batch_op:
        batch_op.create_index("ix_inboxanswer_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inboxanswer_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inboxanswer_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inboxanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboxanswer_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_inboxanswer_item_id"))
        batch_op.drop_index("ix_inboxanswer_due")

    op.drop_table("inboxanswer")
    op.drop_table("inboxpoll")
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.drop_index("ix_inboxitem_workspace_status")
        batch_op.drop_index(batch_op.f("ix_inboxitem_post_id"))

    op.drop_table("inboxitem")
    with op.batch_alter_table("inboxdigest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboxdigest_workspace_id"))

    op.drop_table("inboxdigest")
