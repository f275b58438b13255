"""The planning tables: weekly posting slots, repeating series, evergreen posts, proposals."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.models import _utc_field


class PostingSlot(SQLModel, table=True):
    """A weekly time a channel posts at, in the workspace zone; "add to queue" fills the next one."""

    __table_args__ = (
        UniqueConstraint("channel_id", "weekday", "local_time", name="uq_posting_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", index=True, ondelete="CASCADE")
    weekday: int  # 0 Monday .. 6 Sunday
    local_time: time
    category: str | None = Field(default=None, max_length=20)
    created_at: datetime = _utc_field()


class RecurringSeries(SQLModel, table=True):
    """A repeating post: an RFC 5545 rule, the post to copy, and how far ahead it is materialised.

    ``starts_local`` is the first occurrence's wall-clock time in the workspace zone (naive), so
    the rule is expanded in local time and keeps 10:00 across DST. ``ends_before`` cuts a series
    that was split when someone edited it "from this post on".
    """

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    rrule: str = Field(max_length=500)
    starts_local: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=20)
    link: str | None = Field(default=None, max_length=2000)
    utm_campaign: str | None = Field(default=None, max_length=100)
    channel_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # What each occurrence copies besides the body: per-channel texts and the images in order.
    variants: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    media: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    materialised_until: datetime = _utc_field()
    ends_before: datetime | None = _utc_field(nullable=True, default=None)
    finished: bool = Field(default=False)
    created_at: datetime = _utc_field()
    updated_at: datetime = _utc_field()


class SeriesOccurrence(SQLModel, table=True):
    """Links a post to its series; ``occurrence_at`` is the rule's time, kept when the post moves."""

    __table_args__ = (UniqueConstraint("series_id", "occurrence_at", name="uq_series_occurrence"),)

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    series_id: int = Field(foreign_key="recurringseries.id", index=True, ondelete="CASCADE")
    occurrence_at: datetime = _utc_field()


class EvergreenMark(SQLModel, table=True):
    """A published post that may be reused as a copy once ``min_gap_days`` pass since its last use."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    min_gap_days: int = Field(default=30)
    max_uses: int = Field(default=3)
    uses: int = Field(default=0)
    last_used_at: datetime = _utc_field()
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _utc_field()


class PlanProposal(SQLModel, table=True):
    """A "fill the month" proposal: placements shown to the user; nothing changes until accepted."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    month: str = Field(max_length=7)  # YYYY-MM
    placements: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    missing: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _utc_field()
    expires_at: datetime = _utc_field()
    accepted_at: datetime | None = _utc_field(nullable=True, default=None)
