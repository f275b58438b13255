"""Deliveries: one row per (post, channel), created at approval and cancelled by any change.

The worker only ever sends what a live delivery points at, reading the post at send time, so
cancelling a post's pending deliveries is what guarantees a stale version is never published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select, update

from planner.connectors.registry import get_connector
from planner.models import Channel, Delivery, DeliveryStatus, Post

D = DeliveryStatus
PENDING = (D.QUEUED, D.RETRYING)
# Deliveries that still stand for the post: anything but cancelled.
LIVE = (D.QUEUED, D.RETRYING, D.PUBLISHING, D.PUBLISHED, D.FAILED, D.MISSED, D.UNCONFIRMED)


def schedule_for_post(
    *, session: Session, post: Post, channel_ids: Sequence[int], now: datetime
) -> list[Delivery]:
    """Queue one delivery per channel at the post's time, each with its idempotency key chosen once."""
    if post.scheduled_at is None:
        raise ValueError("a post needs a time before it can be delivered")
    channels = {
        c.id: c for c in session.exec(select(Channel).where(col(Channel.id).in_(list(channel_ids))))
    }
    created = []
    for cid in channel_ids:
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
        .where(Delivery.post_id == post_id, col(Delivery.status).in_([s.value for s in PENDING]))
        .values(status=D.CANCELLED, last_error=reason, updated_at=now, next_attempt_at=None)
    )
    return result.rowcount or 0


def for_post(*, session: Session, post_id: int) -> list[Delivery]:
    """The post's deliveries, newest first within each channel."""
    return list(
        session.exec(
            select(Delivery)
            .where(Delivery.post_id == post_id)
            .order_by(Delivery.channel_id, Delivery.id.desc())
        )
    )
