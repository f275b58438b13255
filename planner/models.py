"""SQLModel tables and the string enums they use.

Enums are stored as plain strings (not database enum types) so adding a status later is a
code change, not a migration fight across SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from planner.dbtypes import UTCDateTime  # also read here by the migrations


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    CONTRIBUTOR = "contributor"


class Category(StrEnum):
    PROMOTIONAL = "promotional"
    EDUCATIONAL = "educational"
    CONVERSATIONAL = "conversational"
    CURATED = "curated"


# How each category is named on screen (the legend, chips, calendar items).
CATEGORY_LABELS = {c.value: c.value.capitalize() for c in Category}


class PostStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"
    EXPIRED = "expired"


class ChannelStatus(StrEnum):
    OK = "ok"
    NEEDS_REAUTH = "needs_reauth"
    ERROR = "error"  # the last connection test failed for another reason; approval waits


def _utc_field(**kw: Any) -> Any:
    nullable = kw.pop("nullable", False)
    index = kw.pop("index", False)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kw)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    # Part of the session id: raising it (logout, password change) ends every session cookie.
    session_generation: int = Field(default=0)
    created_at: datetime = _utc_field()

    # Flask-Login protocol, kept here so the user loader can return the row itself.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login's alternative id: a cookie from an older generation loads no one."""
        return f"{self.id}:{self.session_generation}"

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    timezone: str = Field(default="Europe/London", max_length=64)
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_field()


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "workspace_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=20)
    created_at: datetime = _utc_field()


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    email: str = Field(default="", max_length=254)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = _utc_field()
    expires_at: datetime = _utc_field()
    accepted_at: datetime | None = _utc_field(nullable=True, default=None)
    accepted_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    platform: str = Field(max_length=32)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Fernet tokens: secrets (tokens, passwords, webhook URLs) and connector state (sessions).
    secrets: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=ChannelStatus.OK, max_length=20)
    status_detail: str = Field(default="", max_length=500)
    # The channel's own guardrails (see guardrails.channel_policy); None inherits the workspace's.
    guardrail_policy: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    created_at: datetime = _utc_field()
    # When the saved OAuth token stops working unless refreshed (None: it does not expire).
    token_expires_at: datetime | None = _utc_field(nullable=True, default=None)
    # When the owners were told the token is about to expire; cleared when it is renewed.
    expiry_notified_at: datetime | None = _utc_field(nullable=True, default=None)


class Post(SQLModel, table=True):
    __table_args__ = (
        Index("ix_post_workspace_scheduled", "workspace_id", "scheduled_at"),
        # Counts by status (the review queue badge) and sweeps of overdue drafts stay indexed.
        Index("ix_post_workspace_status", "workspace_id", "status"),
        Index("ix_post_status_scheduled", "status", "scheduled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    # Whoever last rewrote the body counts as an author too (second pair of eyes); None: the author.
    body_edited_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    category: str = Field(max_length=20)
    link: str | None = Field(default=None, max_length=2000)
    # The campaign tag for this post's tagged links; None means the workspace's monthly default.
    utm_campaign: str | None = Field(default=None, max_length=100)
    # Per-channel texts that replace the body on one channel: {"<channel id>": "text"}.
    variants: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The link's preview card, read when the post was saved (planner.services.link_cards).
    link_card: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    scheduled_at: datetime | None = _utc_field(nullable=True, default=None)
    status: str = Field(default=PostStatus.DRAFT, max_length=20)
    created_at: datetime = _utc_field()
    updated_at: datetime = _utc_field()


class PostChannel(SQLModel, table=True):
    """A post's target channel; the publishing issue hangs deliveries off this pair."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    channel_id: int = Field(
        foreign_key="channel.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class AuditEvent(SQLModel, table=True):
    """Append-only record of who did what; post_id has no foreign key so history outlives posts."""

    __table_args__ = (Index("ix_audit_workspace_at", "workspace_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    post_id: int | None = Field(default=None, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=40)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    at: datetime = _utc_field()


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=80)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = _utc_field()
    last_used_at: datetime | None = _utc_field(nullable=True, default=None)
    revoked_at: datetime | None = _utc_field(nullable=True, default=None)


class LoginThrottle(SQLModel, table=True):
    """Login attempts in the current window for one email or one client address (hashed key).

    Counted with single conditional statements, so parallel guesses cannot all pass the check.
    """

    key: str = Field(primary_key=True, max_length=80)
    attempts: int = Field(default=0)
    window_started_at: datetime = _utc_field()


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    RETRYING = "retrying"
    FAILED = "failed"
    MISSED = "missed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


class Delivery(SQLModel, table=True):
    """One post going to one channel: the unit the worker claims, publishes and records."""

    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", index=True, ondelete="CASCADE")
    status: str = Field(default=DeliveryStatus.QUEUED, max_length=20)
    due_at: datetime = _utc_field()
    next_attempt_at: datetime | None = _utc_field(nullable=True, default=None)
    attempts: int = Field(default=0)
    lease_expires_at: datetime | None = _utc_field(nullable=True, default=None)
    claimed_by: str | None = Field(default=None, max_length=80)
    idempotency_key: str = Field(max_length=64)
    external_id: str | None = Field(default=None, max_length=255)
    external_url: str | None = Field(default=None, max_length=2000)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_at: datetime | None = _utc_field(nullable=True, default=None)
    created_at: datetime = _utc_field()
    updated_at: datetime = _utc_field()


class Comment(SQLModel, table=True):
    """A note on a post: a reviewer's reason for rejecting it, or a reply in the discussion."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _utc_field()


class Notification(SQLModel, table=True):
    """One in-app message to one member; post_id has no foreign key so it outlives the post."""

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "workspace_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    post_id: int | None = Field(default=None)
    kind: str = Field(max_length=40)
    message: str = Field(max_length=500)
    created_at: datetime = _utc_field()
    read_at: datetime | None = _utc_field(nullable=True, default=None)


class ImportStatus(StrEnum):
    READY = "ready"
    COMMITTED = "committed"


class ImportBatch(SQLModel, table=True):
    """A parsed CSV file kept between its preview and its import, so nothing is uploaded twice."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    format: str = Field(max_length=20)
    filename: str = Field(default="", max_length=255)
    status: str = Field(default=ImportStatus.READY, max_length=20)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc_field()
    expires_at: datetime = _utc_field(index=True)
    committed_at: datetime | None = _utc_field(nullable=True, default=None)


class CalendarFeed(SQLModel, table=True):
    """A member's secret calendar address for one workspace; only its token's hash is kept."""

    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id", name="uq_calendarfeed_user_workspace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    workspace_id: int = Field(foreign_key="workspace.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc_field()
    last_used_at: datetime | None = _utc_field(nullable=True, default=None)


# The planning tables (posting slots, series, evergreen posts, proposals) and the OAuth tables
# (Mastodon apps, flows in progress) live in their own modules; importing them here registers
# them wherever the models load and keeps imports working.
from planner.oauth_models import MastodonApp as MastodonApp  # noqa: E402
from planner.oauth_models import OAuthFlow as OAuthFlow  # noqa: E402
from planner.planning_models import EvergreenMark as EvergreenMark  # noqa: E402
from planner.planning_models import PlanProposal as PlanProposal  # noqa: E402
from planner.planning_models import PostingSlot as PostingSlot  # noqa: E402
from planner.planning_models import RecurringSeries as RecurringSeries  # noqa: E402
from planner.planning_models import SeriesOccurrence as SeriesOccurrence  # noqa: E402
