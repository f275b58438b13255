"""Expiry: drafts and posts in review whose time came before anyone approved them.

They must never go out; they stay listed (``review.expired``) for a new time. The worker's
housekeeping expires them on every tick, one post at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from planner.models import Notification, Post, PostStatus, Role
from planner.services import lifecycle
from planner.services import notifications as notification_service
from planner.services.notifications import Notice, excerpt
from planner.services.review import MOVES

S = PostStatus


def _overdue(now: datetime) -> tuple[Any, ...]:
    return (
        col(Post.status).in_([s.value for s in MOVES["expire"]]),
        col(Post.scheduled_at).is_not(None),
        Post.scheduled_at <= now,
    )


def overdue_ids(*, session: Session, now: datetime) -> list[int]:
    """Return the ids of the posts ``expire_overdue`` would expire, so each can go on its own."""
    return list(session.exec(select(Post.id).where(*_overdue(now)).order_by(Post.id)))


def expire_overdue(
    *, session: Session, now: datetime, post_ids: Sequence[int] | None = None
) -> list[Post]:
    """Expire drafts and posts in review whose time has come, in every workspace (or *post_ids*).

    They were never approved, so they must never go out; they stay listed for rescheduling.
    Owners get an in-app notification for each post that expired in review; the email
    notices for them come from ``expiry_notices``.
    """
    stmt = select(Post).where(*_overdue(now))
    if post_ids is not None:
        stmt = stmt.where(col(Post.id).in_(post_ids))
    overdue = session.exec(stmt.order_by(Post.id).with_for_update(skip_locked=True)).all()
    expired = []
    for post in overdue:
        was = PostStatus(post.status)
        lifecycle.change_status(
            session=session,
            post=post,
            to=MOVES["expire"][was],
            now=now,
            action="expired",
            detail={"from": was.value},
        )
        if was == S.IN_REVIEW:
            notification_service.notify(
                session=session,
                post=post,
                user_ids=notification_service.member_ids(
                    session=session, workspace_id=post.workspace_id, roles=[Role.OWNER]
                ),
                kind="expired",
                message=(
                    f"“{excerpt(post.body)}” expired in review: its time passed before anyone "
                    "approved it. Give it a new time to reschedule it."
                ),
                now=now,
            )
        expired.append(post)
    session.flush()
    return expired


def expiry_notices(*, session: Session, posts: Sequence[Post]) -> list[Notice]:
    """Return the email notices for the in-review expiries ``expire_overdue`` just recorded."""
    if not posts:
        return []
    rows = session.exec(
        select(Notification)
        .where(
            Notification.kind == "expired",
            col(Notification.post_id).in_([p.id for p in posts]),
            col(Notification.read_at).is_(None),
        )
        .order_by(Notification.id)
    ).all()
    expired_at = {p.id: p.updated_at for p in posts}
    fresh = [n for n in rows if n.created_at == expired_at.get(n.post_id)]
    return notification_service.notices_for(session=session, notifications=fresh)
