"""Images on posts: the media library and each post's ordered images

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import planner.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("mime", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("thumb_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", planner.models.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index("ix_media_workspace_created", ["workspace_id", "created_at"])
        batch_op.create_index(batch_op.f("ix_media_sha256"), ["sha256"], unique=False)
    op.create_table(
        "postmedia",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "media_id"),
    )
    with op.batch_alter_table("postmedia", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postmedia_media_id"), ["media_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postmedia", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postmedia_media_id"))
    op.drop_table("postmedia")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_sha256"))
        batch_op.drop_index("ix_media_workspace_created")
    op.drop_table("media")
