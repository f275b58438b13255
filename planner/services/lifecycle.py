"""The post status machine: the one place that knows which status may follow which.

Review (submit, approve, reject), editing and publishing all change a post's status through
``change_status``, so an illegal jump is refused the same way everywhere (API: 409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from planner.models import Post, PostStatus
from planner.services import audit
from planner.services.errors import Conflict

S = PostStatus

ALLOWED: dict[PostStatus, frozenset[PostStatus]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.APPROVED, S.EXPIRED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.DRAFT, S.EXPIRED, S.IN_REVIEW}),
    S.REJECTED: frozenset({S.DRAFT}),
    S.APPROVED: frozenset({S.IN_REVIEW, S.PUBLISHING, S.PUBLISHED, S.FAILED, S.MISSED, S.DRAFT}),
    S.PUBLISHING: frozenset({S.PUBLISHED, S.FAILED, S.MISSED, S.APPROVED}),
    S.PUBLISHED: frozenset(),
    S.FAILED: frozenset({S.APPROVED, S.PUBLISHING, S.PUBLISHED, S.IN_REVIEW, S.DRAFT}),
    S.MISSED: frozenset({S.APPROVED, S.IN_REVIEW, S.DRAFT}),
    S.EXPIRED: frozenset({S.DRAFT, S.IN_REVIEW}),
}


def can_change(current: str, to: str) -> bool:
    return PostStatus(to) in ALLOWED[PostStatus(current)]


def change_status(
    *,
    session: Session,
    post: Post,
    to: PostStatus,
    now: datetime,
    action: str,
    actor_id: int | None = None,
    detail: str | dict[str, Any] = "",
) -> Post:
    """Move *post* to status *to*, recording *action* in the audit trail; refuse illegal moves."""
    current = PostStatus(post.status)
    if not can_change(current, to):
        raise Conflict(
            f"This post is {current.value.replace('_', ' ')}; it cannot become {to.value.replace('_', ' ')}.",
            fields={"status": current.value},
        )
    post.status = to
    post.updated_at = now
    session.add(post)
    audit.record(
        session=session,
        workspace_id=post.workspace_id,
        actor_id=actor_id,
        post_id=post.id,
        action=action,
        detail=detail,
        now=now,
    )
    return post


# Statuses whose content was cleared for publishing: changing it needs a fresh review.
CLEARED = frozenset({S.APPROVED, S.FAILED, S.MISSED})


def status_after_edit(post: Post, *, editor_id: int | None) -> PostStatus | None:
    """Return the status an edit to *post*'s content moves it to, or ``None`` to keep its status.

    Approved content goes back to review (its deliveries must be cancelled by the caller), a
    rejected post becomes a draft again when its author reworks it, and an expired one becomes
    a draft so it can be rescheduled.
    """
    current = PostStatus(post.status)
    if current in CLEARED:
        return S.IN_REVIEW
    if current == S.REJECTED and post.author_id == editor_id:
        return S.DRAFT
    if current == S.EXPIRED:
        return S.DRAFT
    return None
