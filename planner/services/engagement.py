"""Engagement figures of published posts: storing a reading, showing a post's, reading now.

The worker reads on a schedule (``planner.publishing.engagement_job``); "Refresh now" reads one
post's channels at once through the same connectors, because a person asked for it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select, update

from planner.connectors.base import ConnectorError, Engagement, PostGoneError
from planner.connectors.bundle import UNUSABLE, Connectors
from planner.engagement_models import EngagementReading, EngagementTrack, TrackState
from planner.models import Channel, Delivery, DeliveryStatus, Post, PostChannel
from planner.timeutils import iso_utc

logger = logging.getLogger(__name__)

FIGURES = ("replies", "reposts", "quotes", "likes")


def record_reading(
    *,
    session: Session,
    workspace_id: int,
    post_id: int,
    channel_id: int,
    delivery_id: int | None,
    figures: Engagement,
    now: datetime,
) -> EngagementReading:
    """Store one reading as the platform gave it (counters that went down stay down).

    It becomes the pair's latest reading, the one Insights counts.
    """
    session.exec(
        update(EngagementReading)
        .where(
            col(EngagementReading.post_id) == post_id,
            col(EngagementReading.channel_id) == channel_id,
            col(EngagementReading.latest).is_(True),
        )
        .values(latest=False)
    )
    reading = EngagementReading(
        workspace_id=workspace_id,
        post_id=post_id,
        channel_id=channel_id,
        delivery_id=delivery_id,
        read_at=now,
        replies=figures.replies,
        reposts=figures.reposts,
        quotes=figures.quotes,
        likes=figures.likes,
        raw=figures.raw,
        latest=True,
    )
    session.add(reading)
    return reading


def mark_gone(*, session: Session, delivery_id: int, message: str, now: datetime) -> None:
    """Stop reading a delivery whose post was deleted on the platform, saying so."""
    session.exec(
        update(EngagementTrack)
        .where(col(EngagementTrack.delivery_id) == delivery_id)
        .values(
            state=TrackState.DELETED.value,
            next_at=None,
            lease_expires_at=None,
            claimed_by=None,
            last_error=message[:500],
            updated_at=now,
        )
    )


@dataclass
class ChannelEngagement:
    """What one channel of a post has shown: the latest figures and every reading before."""

    channel: Channel
    available: bool  # the platform gives figures at all
    state: str | None = None  # the schedule's state (scheduled, done, deleted), if tracked
    next_at: datetime | None = None
    error: str | None = None
    history: list[EngagementReading] = field(default_factory=list)

    @property
    def latest(self) -> EngagementReading | None:
        return self.history[-1] if self.history else None


def for_post(*, session: Session, post: Post, connectors: Connectors) -> list[ChannelEngagement]:
    """Return each channel of *post* with its readings, oldest first."""
    channels = session.exec(
        select(Channel)
        .join(PostChannel, col(PostChannel.channel_id) == Channel.id)
        .where(PostChannel.post_id == post.id)
        .order_by(col(Channel.name), col(Channel.id))
    ).all()
    readings: dict[int, list[EngagementReading]] = defaultdict(list)
    for reading in session.exec(
        select(EngagementReading)
        .where(EngagementReading.post_id == post.id)
        .order_by(col(EngagementReading.read_at), col(EngagementReading.id))
    ):
        readings[reading.channel_id].append(reading)
    tracks = {
        channel_id: track
        for channel_id, track in session.exec(
            select(Delivery.channel_id, EngagementTrack)
            .join(EngagementTrack, col(EngagementTrack.delivery_id) == Delivery.id)
            .where(Delivery.post_id == post.id)
        )
    }
    shown = []
    for channel in channels:
        assert channel.id is not None
        cls = connectors.registry.get(channel.platform)
        track = tracks.get(channel.id)
        shown.append(
            ChannelEngagement(
                channel=channel,
                available=bool(cls and cls.gives_engagement) or bool(readings[channel.id]),
                state=track.state if track else None,
                next_at=track.next_at if track else None,
                error=track.last_error if track else None,
                history=readings[channel.id],
            )
        )
    return shown


def reading_json(reading: EngagementReading) -> dict[str, Any]:
    return {"read_at": iso_utc(reading.read_at), **{k: getattr(reading, k) for k in FIGURES}}


def engagement_json(rows: list[ChannelEngagement]) -> dict[str, Any]:
    """The API's body: ``{"channels": [{channel_id, read_at, replies, ..., history}]}``."""
    channels = []
    for row in rows:
        latest = row.latest
        item: dict[str, Any] = {
            "channel_id": row.channel.id,
            "channel_name": row.channel.name,
            "available": row.available,
            "state": row.state,
            "read_at": iso_utc(latest.read_at) if latest else None,
        }
        item |= {k: (getattr(latest, k) if latest else None) for k in FIGURES}
        item["history"] = [reading_json(r) for r in row.history]
        if row.error:
            item["error"] = row.error
        channels.append(item)
    return {"channels": channels}


def refresh_post(
    *, session: Session, post: Post, connectors: Connectors, now: datetime
) -> dict[int, str]:
    """Read the figures of every published channel of *post* now; returns errors by channel.

    A person asked, so this reads at once instead of waiting for the worker's schedule, which
    goes on as planned. The caller commits.
    """
    rows = session.exec(
        select(Delivery, Channel)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(
            Delivery.post_id == post.id,
            Delivery.status == DeliveryStatus.PUBLISHED.value,
            col(Delivery.external_id).is_not(None),
        )
        .order_by(col(Delivery.id))
    ).all()
    errors: dict[int, str] = {}
    for delivery, channel in rows:
        assert delivery.id is not None and channel.id is not None
        try:
            connector = connectors.for_channel(channel)
        except UNUSABLE as exc:
            errors[channel.id] = f"The channel's settings cannot be used ({exc})."
            continue
        if not connector.gives_engagement:
            continue
        assert delivery.external_id is not None
        try:
            figures = connector.engagement(delivery.external_id)
        except PostGoneError as exc:
            mark_gone(session=session, delivery_id=delivery.id, message=exc.message, now=now)
            errors[channel.id] = exc.message
            continue
        except ConnectorError as exc:
            logger.info("Refreshing delivery %s failed: %s", delivery.id, exc)
            errors[channel.id] = exc.message
            continue
        finally:
            if connector.state_changed:  # a renewed Bluesky session is kept, sealed
                channel.state = connectors.box.seal(connector.state)
                session.add(channel)
        if figures is None:
            continue
        record_reading(
            session=session,
            workspace_id=post.workspace_id,
            post_id=post.id or 0,
            channel_id=channel.id,
            delivery_id=delivery.id,
            figures=figures,
            now=now,
        )
    session.flush()
    return errors
