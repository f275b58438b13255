"""OAuth: token expiry on channels, Mastodon app registrations, flows in progress

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from planner.dbtypes import UTCDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("expiry_notified_at", UTCDateTime(), nullable=True))
    op.create_table(
        "mastodonapp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("server"),
    )
    op.create_table(
        "oauthflow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=255), nullable=True),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("from_api", sa.Boolean(), nullable=False),
        sa.Column("verifier", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("called_back_at", UTCDateTime(), nullable=True),
        sa.Column("picks_hash", sa.String(length=64), nullable=True),
        sa.Column("picks", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("picks_hash"),
        sa.UniqueConstraint("state_hash"),
    )
    op.create_index("ix_oauthflow_workspace_id", "oauthflow", ["workspace_id"])
    op.create_index("ix_oauthflow_created_at", "oauthflow", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_oauthflow_created_at", table_name="oauthflow")
    op.drop_index("ix_oauthflow_workspace_id", table_name="oauthflow")
    op.drop_table("oauthflow")
    op.drop_table("mastodonapp")
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("expiry_notified_at")
        batch_op.drop_column("token_expires_at")
