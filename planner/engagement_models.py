"""The tables of engagement: each reading of a published post's figures, and when to read next.

Kept apart from planner.models so neither file grows past 400 lines; the migrations' env.py and
the services that use them import this module.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from planner.models import _utc_field


class EngagementReading(SQLModel, table=True):
    """The figures of one post on one channel as the platform showed them at ``read_at``.

    One row per reading, so growth can be drawn; counters that went down are kept as read.
    ``delivery_id`` is empty for figures that came without a delivery (the demo). ``latest``
    marks the newest reading of its (post, channel), the one Insights counts, so that a year's
    figures are read with one indexed join instead of a search for each pair's newest row.
    """

    __table_args__ = (
        Index("ix_engagementreading_post_channel", "post_id", "channel_id", "read_at"),
        Index("ix_engagementreading_channel_read", "channel_id", "read_at"),
        # Insights reads only the latest reading of each pair, and only these columns.
        Index(
            "ix_engagementreading_latest",
            "post_id",
            "channel_id",
            "replies",
            "reposts",
            "quotes",
            "likes",
            sqlite_where=text("latest = 1"),
            postgresql_where=text("latest = true"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", ondelete="CASCADE")
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id", ondelete="SET NULL")
    read_at: datetime = _utc_field()
    replies: int = Field(default=0)
    reposts: int = Field(default=0)
    quotes: int = Field(default=0)
    likes: int = Field(default=0)
    raw: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    latest: bool = Field(default=True)


class TrackState(StrEnum):
    SCHEDULED = "scheduled"  # waiting for next_at
    READING = "reading"  # claimed by a worker until lease_expires_at
    DONE = "done"  # every step of the schedule was read
    DELETED = "deleted"  # the platform says the post is gone: no more readings


class EngagementTrack(SQLModel, table=True):
    """When a published delivery is read next: step *step* of the schedule, due at ``next_at``.

    The worker enrols each published delivery of a platform that gives figures, then claims due
    rows with a conditional UPDATE (like deliveries), so two workers never read one twice.
    """

    __table_args__ = (Index("ix_engagementtrack_due", "state", "next_at"),)

    delivery_id: int = Field(foreign_key="delivery.id", primary_key=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", index=True, ondelete="CASCADE")
    published_at: datetime = _utc_field()
    step: int = Field(default=0)
    state: str = Field(default=TrackState.SCHEDULED, max_length=20)
    next_at: datetime | None = _utc_field(nullable=True, default=None)
    lease_expires_at: datetime | None = _utc_field(nullable=True, default=None)
    claimed_by: str | None = Field(default=None, max_length=80)
    failures: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = _utc_field()
