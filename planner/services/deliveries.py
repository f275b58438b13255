"""Deliveries: one row per (post, channel), created at approval and cancelled by any change.

The worker only ever sends what a live delivery points at, reading the post at send time, so
cancelling a post's pending deliveries is what guarantees a stale version is never published.
A post's status follows its deliveries (``settle_post``): published when every channel is,
missed when every channel missed its time, failed when any ended failed, missed or unconfirmed.

Whoever changes a delivery that may be claimed, or settles a post, first takes the post's lock
with ``lock_post``, so that two deliveries of one post finishing together cannot both miss
each other's result and leave the post stuck in ``publishing``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from planner.connectors.base import ConfigError, ConnectorOptions
from planner.connectors.registry import UnknownPlatform, get_connector
from planner.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryStatus,
    Post,
    PostChannel,
    PostStatus,
    Role,
    Workspace,
)
from planner.secretbox import SecretBox, SecretBoxError
from planner.services import audit, lifecycle, notifications
from planner.services.errors import Conflict, Forbidden, NotFound
from planner.services.notifications import Notice
from planner.services.workspaces import Access
from planner.timeutils import get_zone, iso_utc
from planner.utm import month_of, outgoing, utm_settings

logger = logging.getLogger(__name__)

D = DeliveryStatus
PENDING = (D.QUEUED, D.RETRYING)
# Deliveries that still stand for the post: anything but cancelled.
LIVE = (D.QUEUED, D.RETRYING, D.PUBLISHING, D.PUBLISHED, D.FAILED, D.MISSED, D.UNCONFIRMED)
UNFINISHED = (D.QUEUED, D.RETRYING, D.PUBLISHING)
# Ended without a confirmed publish: the owner decides what happens next.
ATTENTION = (D.FAILED, D.MISSED, D.UNCONFIRMED)
RETRYABLE = ATTENTION
CANCELLABLE = (D.QUEUED, D.RETRYING, *ATTENTION)
# Post statuses under which a delivery may be sent again (the approved version is unchanged).
RETRYABLE_POSTS = (PostStatus.APPROVED, PostStatus.PUBLISHING, PostStatus.FAILED, PostStatus.MISSED)
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


def schedule_for_post(
    *, session: Session, post: Post, channel_ids: Sequence[int], now: datetime
) -> list[Delivery]:
    """Queue one delivery per channel at the post's time, each with its idempotency key chosen once.

    A channel that already has this post published, being published, or queued is skipped, so
    approving a post again after a partial failure never sends it twice to the same place.
    """
    if post.scheduled_at is None:
        raise ValueError("a post needs a time before it can be delivered")
    channels = {
        c.id: c for c in session.exec(select(Channel).where(col(Channel.id).in_(list(channel_ids))))
    }
    taken = set(
        session.exec(
            select(Delivery.channel_id).where(
                Delivery.post_id == post.id,
                col(Delivery.status).in_(_values((*UNFINISHED, D.PUBLISHED))),
            )
        )
    )
    created = []
    for cid in dict.fromkeys(channel_ids):
        if cid in taken:
            continue
        channel = channels[cid]
        delivery = Delivery(
            workspace_id=post.workspace_id,
            post_id=post.id,
            channel_id=cid,
            status=D.QUEUED,
            due_at=post.scheduled_at,
            next_attempt_at=post.scheduled_at,
            idempotency_key=get_connector(channel.platform).new_idempotency_key(now),
            created_at=now,
            updated_at=now,
        )
        session.add(delivery)
        created.append(delivery)
    session.flush()
    return created


def cancel_pending(*, session: Session, post_id: int, now: datetime, reason: str) -> int:
    """Cancel the post's deliveries that have not been sent; returns how many were cancelled."""
    result = session.exec(
        update(Delivery)
        .where(Delivery.post_id == post_id, col(Delivery.status).in_(_values(PENDING)))
        .values(status=D.CANCELLED, last_error=reason, updated_at=now, next_attempt_at=None)
    )
    return result.rowcount or 0


def for_post(*, session: Session, post_id: int) -> list[Delivery]:
    """The post's deliveries, newest first within each channel."""
    return list(
        session.exec(
            select(Delivery)
            .where(Delivery.post_id == post_id)
            .order_by(col(Delivery.channel_id), col(Delivery.id).desc())
        )
    )


def current_for_post(*, session: Session, post_id: int) -> list[Delivery]:
    """The delivery that stands for each of the post's channels: its newest one not cancelled."""
    current: dict[int, Delivery] = {}
    for delivery in for_post(session=session, post_id=post_id):
        if delivery.status != D.CANCELLED and delivery.channel_id not in current:
            current[delivery.channel_id] = delivery
    return list(current.values())


def lock_post(session: Session, post_id: int) -> Post | None:
    """Take the post's lock for this transaction and return it freshly read (None if deleted).

    A no-op UPDATE is the portable lock: a row lock on PostgreSQL, the write lock on SQLite.
    """
    session.exec(
        update(Post)
        .where(Post.id == post_id)
        .values(status=Post.status)
        .execution_options(synchronize_session=False)
    )
    return session.exec(
        select(Post).where(Post.id == post_id).execution_options(populate_existing=True)
    ).first()


def lock_for_delivery(session: Session, delivery_id: int) -> tuple[Delivery, Post] | None:
    """Take the lock of the delivery's post and return both freshly read (None if deleted)."""
    post_id = select(Delivery.post_id).where(Delivery.id == delivery_id).scalar_subquery()
    session.exec(
        update(Post)
        .where(Post.id == post_id)
        .values(status=Post.status)
        .execution_options(synchronize_session=False)
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
        select(Delivery.channel_id, Delivery.status)
        .where(Delivery.post_id == post.id, Delivery.status != D.CANCELLED.value)
        .order_by(col(Delivery.channel_id), col(Delivery.id).desc())
    ).all()
    newest: dict[int, str] = {}
    for channel_id, status in rows:
        newest.setdefault(channel_id, status)
    statuses = {DeliveryStatus(s) for s in newest.values()}
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
    summary = {str(channel_id): status for channel_id, status in newest.items()}
    lifecycle.change_status(
        session=session, post=post, to=to, now=now, action=action, detail={"channels": summary}
    )
    if to in (PostStatus.FAILED, PostStatus.MISSED):
        current = current_for_post(session=session, post_id=post.id)
        return _notify_failure(session=session, post=post, deliveries=current, now=now)
    return []


def _notify_failure(
    *, session: Session, post: Post, deliveries: Sequence[Delivery], now: datetime
) -> list[Notice]:
    """Tell the post's author and the workspace's owners and editors, linking to the post."""
    names = dict(
        session.exec(
            select(Channel.id, Channel.name).where(
                col(Channel.id).in_([d.channel_id for d in deliveries])
            )
        ).all()
    )
    problems = [
        f"{names.get(d.channel_id, 'a channel')}: {d.status}"
        + (f" ({d.last_error})" if d.last_error else "")
        for d in deliveries
        if d.status in _values(ATTENTION)
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


def get_delivery(*, session: Session, acc: Access, delivery_id: int) -> Delivery:
    """Return a delivery of the user's workspace; any other does not exist for them."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.workspace_id != acc.workspace.id:
        raise NotFound("No such delivery.")
    return delivery


def _require_manager(acc: Access) -> None:
    if not acc.can_review:
        raise Forbidden("Only owners and editors can retry or cancel publishing.")


def _is_current(session: Session, delivery: Delivery) -> bool:
    """False when a newer delivery to the same channel has replaced this one."""
    newer = session.exec(
        select(Delivery.id).where(
            Delivery.post_id == delivery.post_id,
            Delivery.channel_id == delivery.channel_id,
            col(Delivery.id) > delivery.id,
            Delivery.status != D.CANCELLED,
        )
    ).first()
    return newer is None


def retry(*, session: Session, acc: Access, delivery_id: int, now: datetime) -> Delivery:
    """Publish a failed, missed or unconfirmed delivery again now, with its same idempotency key.

    A missed delivery is sent now rather than at its old time; the attempt count starts over.
    """
    _require_manager(acc)
    delivery = get_delivery(session=session, acc=acc, delivery_id=delivery_id)
    post = lock_post(session, delivery.post_id)
    delivery = reload(session, delivery_id)
    if post is None or delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status not in _values(RETRYABLE):
        raise Conflict(
            f"This delivery is {delivery.status}; only failed, missed or unconfirmed ones can be retried.",
            fields={"status": delivery.status},
        )
    if post.status not in _values(RETRYABLE_POSTS) or not _is_current(session, delivery):
        raise Conflict(
            "The post has changed since this delivery; it goes out again once it is approved.",
            fields={"status": post.status},
        )
    channel = session.get(Channel, delivery.channel_id)
    if channel is not None and channel.status == ChannelStatus.NEEDS_REAUTH:
        raise Conflict(
            f"Reconnect {channel.name} first; its credentials were refused.",
            fields={"channel_id": str(channel.id)},
        )
    previous = delivery.status
    delivery.status = D.QUEUED
    delivery.due_at = now
    delivery.next_attempt_at = now
    delivery.attempts = 0
    delivery.updated_at = now
    session.add(delivery)
    audit.record(
        session=session,
        workspace_id=delivery.workspace_id,
        actor_id=acc.user.id,
        post_id=delivery.post_id,
        action="delivery_retry",
        detail={"delivery_id": delivery.id, "channel_id": delivery.channel_id, "was": previous},
        now=now,
    )
    if post.status in (PostStatus.FAILED, PostStatus.MISSED):
        lifecycle.change_status(
            session=session,
            post=post,
            to=PostStatus.APPROVED,
            now=now,
            action="publish_retry",
            actor_id=acc.user.id,
            detail={"delivery_id": delivery.id},
        )
    session.flush()
    return delivery


def cancel(*, session: Session, acc: Access, delivery_id: int, now: datetime) -> Delivery:
    """Stop a delivery that has not been published, or dismiss one that failed."""
    _require_manager(acc)
    delivery = get_delivery(session=session, acc=acc, delivery_id=delivery_id)
    post = lock_post(session, delivery.post_id)
    delivery = reload(session, delivery_id)
    if post is None or delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status not in _values(CANCELLABLE):
        raise Conflict(
            f"This delivery is {delivery.status}; it can no longer be cancelled.",
            fields={"status": delivery.status},
        )
    record_result(
        session=session,
        delivery=delivery,
        status=D.CANCELLED,
        now=now,
        message=f"Cancelled by {acc.user.display_name}.",
        actor_id=acc.user.id,
    )
    settle_post(session=session, post=post, now=now)
    session.flush()
    return delivery


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """The API shape of a delivery."""
    return {
        "id": delivery.id,
        "channel_id": delivery.channel_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "external_id": delivery.external_id,
        "external_url": delivery.external_url,
        "last_error": delivery.last_error,
        "published_at": iso_utc(delivery.published_at),
    }


def outgoing_text(
    post: Post, channel: Channel, workspace: Workspace, *, now: datetime
) -> tuple[str, str | None]:
    """The (text, link) a channel receives: the post with its link tagged for that platform."""
    month = month_of(post.scheduled_at, get_zone(workspace.timezone), now=now)
    return outgoing(
        post.body,
        post.link,
        platform=channel.platform,
        settings=utm_settings(workspace.settings),
        campaign=post.utm_campaign,
        month=month,
    )


def length_problems(
    *,
    session: Session,
    post: Post,
    workspace: Workspace,
    box: SecretBox,
    options: ConnectorOptions,
    now: datetime,
) -> dict[int, str]:
    """Map each of the post's channels where it does not fit to the platform's own count.

    The count is of the text as sent, tagged link included. A channel whose settings cannot
    be read is reported too: its limit cannot be checked.
    """
    from planner.services.channels import connector_for

    channels = session.exec(
        select(Channel)
        .join(PostChannel, col(PostChannel.channel_id) == Channel.id)
        .where(PostChannel.post_id == post.id)
        .order_by(col(Channel.id))
    ).all()
    problems: dict[int, str] = {}
    for channel in channels:
        try:
            connector = connector_for(channel, box=box, options=options)
        except (ConfigError, SecretBoxError, UnknownPlatform) as exc:
            logger.warning("Cannot check lengths for channel %s: %s", channel.id, exc)
            problems[channel.id] = f"Cannot read the settings of {channel.name}; reconnect it."
            continue
        problem = connector.check_length(*outgoing_text(post, channel, workspace, now=now))
        if problem is not None:
            problems[channel.id] = problem
    return problems
