"""The inbox tables: replies and mentions fetched from the platforms, our answers to them, the
worker's per-channel look-ups, and who gets the daily digest of unanswered replies.

Kept apart from planner.models so neither file grows past 400 lines; the migrations' env.py and
the services that use them import this module.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.models import DeliveryStatus, _utc_field


class InboxKind(StrEnum):
    REPLY = "reply"
    MENTION = "mention"


class InboxStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class InboxItem(SQLModel, table=True):
    """One reply or mention as the platform gave it; ``text`` is plain text (escaped on output).

    ``(channel_id, external_id)`` is unique, so an item fetched twice, by two workers or by the
    worker and a person's "look now", is stored once.
    """

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id", name="uq_inboxitem_channel_external"),
        Index("ix_inboxitem_workspace_status", "workspace_id", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", ondelete="CASCADE")
    # Our post it answers (None for a mention that is not about one of our posts).
    post_id: int | None = Field(
        default=None, foreign_key="post.id", index=True, ondelete="SET NULL"
    )
    external_id: str = Field(max_length=255)
    kind: str = Field(default=InboxKind.REPLY, max_length=20)
    author_name: str = Field(default="", max_length=200)
    author_handle: str = Field(default="", max_length=255)
    author_url: str | None = Field(default=None, max_length=2000)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    url: str | None = Field(default=None, max_length=2000)
    received_at: datetime = _utc_field()
    fetched_at: datetime = _utc_field()
    status: str = Field(default=InboxStatus.OPEN, max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    done_at: datetime | None = _utc_field(nullable=True, default=None)
    # When our answer was published, and where it can be seen.
    answered_at: datetime | None = _utc_field(nullable=True, default=None)
    answer_url: str | None = Field(default=None, max_length=2000)


class InboxAnswer(SQLModel, table=True):
    """Our reply to an inbox item: sent exactly once, like a delivery, with its own key.

    The key is Mastodon's ``Idempotency-Key`` or Bluesky's record key, chosen once and reused on
    every attempt; statuses are the delivery statuses and follow ``publishing.policy``.
    """

    __table_args__ = (Index("ix_inboxanswer_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="inboxitem.id", index=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.QUEUED, max_length=20)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = _utc_field(nullable=True, default=None)
    lease_expires_at: datetime | None = _utc_field(nullable=True, default=None)
    claimed_by: str | None = Field(default=None, max_length=80)
    idempotency_key: str = Field(max_length=64)
    external_id: str | None = Field(default=None, max_length=255)
    external_url: str | None = Field(default=None, max_length=2000)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_at: datetime | None = _utc_field(nullable=True, default=None)
    created_at: datetime = _utc_field()
    updated_at: datetime = _utc_field()


class InboxPoll(SQLModel, table=True):
    """When the worker next looks at a channel for replies, and who is looking right now.

    A look is claimed with a conditional UPDATE of this row, so two workers never fetch one
    channel at once; ``deferred_until`` holds a platform's rate-limit wait, which even a
    person's "look now" respects.
    """

    channel_id: int = Field(foreign_key="channel.id", primary_key=True, ondelete="CASCADE")
    next_poll_at: datetime = _utc_field()
    deferred_until: datetime | None = _utc_field(nullable=True, default=None)
    lease_expires_at: datetime | None = _utc_field(nullable=True, default=None)
    claimed_by: str | None = Field(default=None, max_length=80)
    last_polled_at: datetime | None = _utc_field(nullable=True, default=None)
    # The newest mention seen, so the next look asks only for what came after it.
    mentions_since: datetime | None = _utc_field(nullable=True, default=None)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What is left of the channel's inbox read share as of ``last_polled_at`` (None: all of
    # it); it fills again with time (see ``publishing.inbox_budget``) and may run below zero.
    read_credit: float | None = Field(default=None)


class InboxPostLook(SQLModel, table=True):
    """When the inbox last read the replies of one published delivery (a post on a channel).

    A channel whose read budget cannot cover all its recent posts looks at them in turn,
    least recently looked at first, so every post's replies are still read.
    """

    delivery_id: int = Field(foreign_key="delivery.id", primary_key=True, ondelete="CASCADE")
    looked_at: datetime = _utc_field()


class InboxDigest(SQLModel, table=True):
    """An owner who asked for the daily email of unanswered replies in one workspace."""

    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id", name="uq_inboxdigest_user_workspace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    created_at: datetime = _utc_field()
    last_sent_at: datetime | None = _utc_field(nullable=True, default=None)
