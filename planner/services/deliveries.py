"""Deliveries: one row per (post, channel), created at approval and cancelled by any change.

The worker only ever sends what a live delivery points at, reading the post at send time, so
cancelling a post's pending deliveries is what guarantees a stale version is never published.
This module holds what people do with deliveries (schedule, cancel, retry) and the queries
about them; what a result does to a delivery and its post is in ``planner.publishing.results``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from planner.connectors.registry import get_connector
from planner.models import Channel, ChannelStatus, Delivery, DeliveryStatus, Post, PostStatus
from planner.publishing.results import (
    ATTENTION,
    PENDING,
    UNFINISHED,
    lock_post,
    record_result,
    reload,
    settle_post,
)
from planner.services import audit, lifecycle
from planner.services.errors import Conflict, Forbidden, NotFound
from planner.services.workspaces import Access
from planner.timeutils import iso_utc

D = DeliveryStatus
RETRYABLE = ATTENTION
CANCELLABLE = (D.QUEUED, D.RETRYING, *ATTENTION)
# Post statuses under which a delivery may be sent again (the approved version is unchanged).
RETRYABLE_POSTS = (PostStatus.APPROVED, PostStatus.PUBLISHING, PostStatus.FAILED, PostStatus.MISSED)


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


def _locked(
    session: Session,
    acc: Access,
    delivery_id: int,
    allowed: Sequence[DeliveryStatus],
    refusal: str,
) -> tuple[Post, Delivery]:
    """Take the post's lock for an owner's action on a delivery, refusing any other status."""
    _require_manager(acc)
    delivery = get_delivery(session=session, acc=acc, delivery_id=delivery_id)
    post = lock_post(session, delivery.post_id)
    delivery = reload(session, delivery_id)
    if post is None or delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status not in _values(allowed):
        raise Conflict(
            f"This delivery is {delivery.status}; {refusal}", fields={"status": delivery.status}
        )
    return post, delivery


def retry(*, session: Session, acc: Access, delivery_id: int, now: datetime) -> Delivery:
    """Publish a failed, missed or unconfirmed delivery again now, with its same idempotency key.

    A missed delivery is sent now rather than at its old time; the attempt count starts over.
    """
    post, delivery = _locked(
        session,
        acc,
        delivery_id,
        RETRYABLE,
        "only failed, missed or unconfirmed ones can be retried.",
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
    post, delivery = _locked(
        session, acc, delivery_id, CANCELLABLE, "it can no longer be cancelled."
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
