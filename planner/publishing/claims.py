"""Claiming due deliveries so that any number of workers publish each one once.

A claim is an UPDATE that only succeeds while the row is still pending and due, so two workers
racing for a row cannot both win. PostgreSQL claims a batch at once with ``FOR UPDATE SKIP
LOCKED`` (workers skip each other's rows instead of queueing); SQLite renders no ``FOR UPDATE``
and relies on its single writer plus the conditional UPDATE checked row by row.

Everything that changes a claimed delivery afterwards (the worker recording a result, lease
recovery, the lateness sweep, a retry or cancel from the UI) first takes its post's lock with
``planner.publishing.results.lock_post``, so that settling the post's status sees the latest
state of every sibling delivery.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, or_
from sqlmodel import Session, col, select, update

from planner.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryStatus,
    Post,
    PostStatus,
    Workspace,
)
from planner.publishing.policy import allowed_lateness
from planner.services import lifecycle

D = DeliveryStatus
PENDING = (D.QUEUED.value, D.RETRYING.value)
# A delivery is only sent while its post is still the approved version.
SENDABLE_POSTS = (PostStatus.APPROVED.value, PostStatus.PUBLISHING.value)


@dataclass(frozen=True)
class Expired:
    """A delivery left in ``publishing`` by a worker that stopped before recording the outcome."""

    delivery_id: int
    post_id: int
    platform: str
    attempts: int
    due_at: datetime
    lease_expires_at: datetime
    claimed_by: str | None
    settings: dict[str, Any]


def _sendable() -> Any:
    """The post is approved (or being published) and the channel's credentials work."""
    return and_(
        exists().where(col(Post.id) == Delivery.post_id, col(Post.status).in_(SENDABLE_POSTS)),
        exists().where(
            col(Channel.id) == Delivery.channel_id,
            col(Channel.status) != ChannelStatus.NEEDS_REAUTH.value,
        ),
    )


def claim_due(
    session: Session, *, now: datetime, limit: int, lease: timedelta, token: str
) -> list[int]:
    """Claim up to *limit* due deliveries for the worker holding *token*; the caller commits."""
    if limit <= 0:
        return []
    due = and_(
        col(Delivery.status).in_(PENDING),
        col(Delivery.next_attempt_at) <= now,
        _sendable(),
    )
    candidates = (
        select(Delivery.id)
        .where(due)
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
    )
    claim = dict(
        status=D.PUBLISHING.value,
        attempts=Delivery.attempts + 1,
        lease_expires_at=now + lease,
        claimed_by=token,
        updated_at=now,
    )
    if session.get_bind().dialect.name == "postgresql":
        locked = candidates.with_for_update(of=Delivery, skip_locked=True)
        ids = [_saved(delivery_id) for delivery_id in session.exec(locked)]
        if ids:
            session.exec(update(Delivery).where(col(Delivery.id).in_(ids)).values(**claim))
        return ids
    claimed: list[int] = []
    for delivery_id in session.exec(candidates).all():
        result = session.exec(
            update(Delivery).where(col(Delivery.id) == delivery_id, due).values(**claim)
        )
        if result.rowcount == 1:
            claimed.append(_saved(delivery_id))
    return claimed


def start_posts(session: Session, *, delivery_ids: list[int], now: datetime) -> int:
    """Move the approved posts of claimed deliveries to ``publishing``: no edits while sending.

    Run in its own transaction after the claim's, so that a claim never waits for a post's
    lock while holding delivery rows (an edit locks the post, then its deliveries). Posts are
    locked in id order, so two workers starting posts together cannot deadlock.
    """
    if not delivery_ids:
        return 0
    stmt = (
        select(Post)
        .where(
            Post.status == PostStatus.APPROVED.value,
            col(Post.id).in_(select(Delivery.post_id).where(col(Delivery.id).in_(delivery_ids))),
        )
        .order_by(col(Post.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    posts = session.exec(stmt).all()
    for post in posts:
        lifecycle.change_status(
            session=session, post=post, to=PostStatus.PUBLISHING, now=now, action="publishing"
        )
    return len(posts)


def expired_leases(session: Session, *, now: datetime, limit: int = 500) -> list[Expired]:
    """Return deliveries stuck in ``publishing`` whose lease ran out before *now*."""
    # sqlmodel's select() is typed for at most four columns; this one reads eight.
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Delivery.id,
            Delivery.post_id,
            Channel.platform,
            Delivery.attempts,
            Delivery.due_at,
            Delivery.lease_expires_at,
            Delivery.claimed_by,
            Workspace.settings,
        )
        .join(Channel, Channel.id == Delivery.channel_id)
        .join(Workspace, Workspace.id == Delivery.workspace_id)
        .where(Delivery.status == D.PUBLISHING.value, col(Delivery.lease_expires_at) < now)
        .order_by(col(Delivery.lease_expires_at))
        .limit(limit)
    )
    return [Expired(*row) for row in rows]


def overdue(session: Session, *, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """Return (delivery id, post id) of pending deliveries later than their workspace allows."""
    by_lateness: dict[timedelta, list[int]] = defaultdict(list)
    for workspace_id, settings in session.exec(select(Workspace.id, Workspace.settings)):
        by_lateness[allowed_lateness(settings)].append(_saved(workspace_id))
    too_late = or_(
        false(),
        *(
            and_(col(Delivery.workspace_id).in_(ids), col(Delivery.due_at) < now - lateness)
            for lateness, ids in by_lateness.items()
        ),
    )
    rows = session.exec(
        select(Delivery.id, Delivery.post_id)
        .where(col(Delivery.status).in_(PENDING), too_late)
        .order_by(col(Delivery.due_at))
        .limit(limit)
    )
    return [(_saved(delivery_id), post_id) for delivery_id, post_id in rows]


def _saved(row_id: int | None) -> int:
    """Narrow a primary key read from the database, which SQLModel types as optional."""
    assert row_id is not None, "a row read from the database has an id"
    return row_id
