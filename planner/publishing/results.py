"""What the worker's results do: each outcome recorded on its delivery, then the post settled.

A post's status follows its deliveries (``settle_post``): published when every channel is,
missed when every channel missed its time, failed when any ended failed, missed or unconfirmed.

Whoever changes a delivery that may be claimed, or settles a post, first takes the post's lock
with ``lock_post``, so that two deliveries of one post finishing together cannot both miss
each other's result and leave the post stuck in ``publishing``. The worker, lease recovery,
the lateness sweep and the owner's retry and cancel all go through here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from planner.models import Channel, Delivery, DeliveryStatus, Post, PostStatus, Role
from planner.services import audit, lifecycle, notifications
from planner.services.notifications import Notice
from planner.timeutils import iso_utc

logger = logging.getLogger(__name__)

D = DeliveryStatus
PENDING = (D.QUEUED, D.RETRYING)
UNFINISHED = (D.QUEUED, D.RETRYING, D.PUBLISHING)
# Ended without a confirmed publish: the owner decides what happens next.
ATTENTION = (D.FAILED, D.MISSED, D.UNCONFIRMED)
# The audit action recorded for each delivery result.
RESULT_ACTIONS = {
    D.PUBLISHED: "delivery_published",
    D.RETRYING: "delivery_retrying",
    D.QUEUED: "delivery_waiting",
    D.FAILED: "delivery_failed",
    D.MISSED: "delivery_missed",
    D.UNCONFIRMED: "delivery_unconfirmed",
    D.CANCELLED: "delivery_cancelled",
}


def _values(statuses: Sequence[DeliveryStatus]) -> list[str]:
    return [s.value for s in statuses]


def _take_lock(session: Session, post_id: Any) -> None:
    """A no-op UPDATE is the portable lock: a row lock on PostgreSQL, the write lock on SQLite."""
    session.exec(
        update(Post)
        .where(col(Post.id) == post_id)
        .values(status=Post.status)
        .execution_options(synchronize_session=False)
    )


def lock_post(session: Session, post_id: int) -> Post | None:
    """Take the post's lock for this transaction and return it freshly read (None if deleted)."""
    _take_lock(session, post_id)
    return session.exec(
        select(Post).where(Post.id == post_id).execution_options(populate_existing=True)
    ).first()


def lock_for_delivery(session: Session, delivery_id: int) -> tuple[Delivery, Post] | None:
    """Take the lock of the delivery's post and return both freshly read (None if deleted)."""
    _take_lock(
        session, select(Delivery.post_id).where(Delivery.id == delivery_id).scalar_subquery()
    )
    row = session.exec(
        select(Delivery, Post)
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(Delivery.id == delivery_id)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else (row[0], row[1])


def reload(session: Session, delivery_id: int) -> Delivery | None:
    """Return the delivery as the database has it now, not as this session last saw it."""
    return session.exec(
        select(Delivery).where(Delivery.id == delivery_id).execution_options(populate_existing=True)
    ).first()


def record_result(
    *,
    session: Session,
    delivery: Delivery,
    status: DeliveryStatus,
    now: datetime,
    message: str | None = None,
    next_attempt_at: datetime | None = None,
    external_id: str | None = None,
    external_url: str | None = None,
    give_back_attempt: bool = False,
    actor_id: int | None = None,
) -> Delivery:
    """Store one outcome on the delivery (releasing its claim) and add it to the audit trail.

    The caller holds the post's lock and settles the post afterwards.
    """
    delivery.status = status
    delivery.updated_at = now
    delivery.lease_expires_at = None
    delivery.claimed_by = None
    delivery.next_attempt_at = next_attempt_at if status in PENDING else None
    if give_back_attempt:
        delivery.attempts = max(0, delivery.attempts - 1)
    if status == D.PUBLISHED:
        delivery.published_at = now
        delivery.external_id = external_id
        delivery.external_url = external_url
        delivery.last_error = None
    else:
        delivery.last_error = message
    session.add(delivery)
    audit.record(
        session=session,
        workspace_id=delivery.workspace_id,
        actor_id=actor_id,
        post_id=delivery.post_id,
        action=RESULT_ACTIONS[status],
        detail={
            "delivery_id": delivery.id,
            "channel_id": delivery.channel_id,
            "attempts": delivery.attempts,
            "error": message,
            "external_url": external_url,
            "next_attempt_at": iso_utc(delivery.next_attempt_at),
        },
        now=now,
    )
    return delivery


def settle_post(*, session: Session, post: Post, now: datetime) -> list[Notice]:
    """Move the post to the status its deliveries add up to, once none is still under way.

    Returns the email notices of a failure notification, to send after the caller commits.
    """
    rows = session.exec(
        select(Delivery.channel_id, Delivery.status, Delivery.last_error)
        .where(Delivery.post_id == post.id, Delivery.status != D.CANCELLED.value)
        .order_by(col(Delivery.channel_id), col(Delivery.id).desc())
    ).all()
    newest: dict[int, tuple[str, str | None]] = {}
    for channel_id, status, error in rows:
        newest.setdefault(channel_id, (status, error))
    statuses = {DeliveryStatus(s) for s, _e in newest.values()}
    if statuses & set(UNFINISHED):
        return []
    if not statuses:
        # Every delivery was cancelled: nothing is being sent any more.
        to, action = PostStatus.APPROVED, "publishing_cancelled"
        if post.status != PostStatus.PUBLISHING:
            return []
    elif statuses == {D.PUBLISHED}:
        to, action = PostStatus.PUBLISHED, "published"
    elif statuses == {D.MISSED}:
        to, action = PostStatus.MISSED, "missed"
    else:
        to, action = PostStatus.FAILED, "publish_failed"
    if post.status == to:
        return []
    if not lifecycle.can_change(post.status, to):
        logger.warning(
            "Post %s is %s; its deliveries say %s, which it cannot become",
            post.id,
            post.status,
            to.value,
        )
        return []
    summary = {str(channel_id): status for channel_id, (status, _e) in newest.items()}
    lifecycle.change_status(
        session=session, post=post, to=to, now=now, action=action, detail={"channels": summary}
    )
    if to in (PostStatus.FAILED, PostStatus.MISSED):
        return _notify_failure(session=session, post=post, newest=newest, now=now)
    return []


def _notify_failure(
    *, session: Session, post: Post, newest: Mapping[int, tuple[str, str | None]], now: datetime
) -> list[Notice]:
    """Tell the post's author and the workspace's owners and editors, linking to the post.

    *newest* maps each channel to the status and error of the delivery that stands for it.
    """
    names = dict(
        session.exec(
            select(Channel.id, Channel.name).where(col(Channel.id).in_(list(newest)))
        ).all()
    )
    problems = [
        f"{names.get(channel_id, 'a channel')}: {status}" + (f" ({error})" if error else "")
        for channel_id, (status, error) in newest.items()
        if status in _values(ATTENTION)
    ]
    verb = "missed its time" if post.status == PostStatus.MISSED else "was not published"
    message = f"“{notifications.excerpt(post.body)}” {verb}: " + "; ".join(problems)
    managers = notifications.member_ids(
        session=session, workspace_id=post.workspace_id, roles=(Role.OWNER, Role.EDITOR)
    )
    users = [*managers, *([post.author_id] if post.author_id else [])]
    return notifications.notify(
        session=session,
        post=post,
        user_ids=users,
        kind="publish_failed" if post.status == PostStatus.FAILED else "publish_missed",
        message=message,
        now=now,
    )
