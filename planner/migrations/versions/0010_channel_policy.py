"""A channel's own guardrail policy

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 18:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL means the channel inherits the workspace policy, as every existing channel does.
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guardrail_policy", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("guardrail_policy")
