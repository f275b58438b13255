"""post status indexes

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-22 05:12:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index("ix_post_status")
        batch_op.create_index("ix_post_workspace_status", ["workspace_id", "status"], unique=False)
        batch_op.create_index("ix_post_status_scheduled", ["status", "scheduled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index("ix_post_status_scheduled")
        batch_op.drop_index("ix_post_workspace_status")
        batch_op.create_index("ix_post_status", ["status"], unique=False)
