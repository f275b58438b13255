"""Session generations, the last body editor of a post, atomic login throttling

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import planner.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_edited_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_post_body_edited_by_id_user",
            "user",
            ["body_edited_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Attempts are now counted atomically per email and per client address (loginthrottle);
    # the per-failure rows it replaces only matter for five minutes, so they are not carried over.
    op.create_table(
        "loginthrottle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", planner.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("loginfailure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loginfailure_email"))
    op.drop_table("loginfailure")


def downgrade() -> None:
    op.create_table(
        "loginfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("at", planner.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loginfailure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginfailure_email"), ["email"], unique=False)
    op.drop_table("loginthrottle")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_constraint("fk_post_body_edited_by_id_user", type_="foreignkey")
        batch_op.drop_column("body_edited_by_id")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
