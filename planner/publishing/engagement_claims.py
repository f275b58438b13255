"""The engagement schedule: enrolling published deliveries and claiming the readings now due.

Each published delivery on a platform that gives figures gets one ``EngagementTrack`` row,
read at the delays of ``PLANNER_ENGAGEMENT_SCHEDULE`` after publishing and then left alone. A
claim is a conditional UPDATE that only succeeds while the row is due and unclaimed (or its
claim's lease ran out), so two workers never read one post twice; PostgreSQL locks the
candidates with ``FOR UPDATE SKIP LOCKED`` first.

Reads stay within each account's rate limit: a channel may spend a share of the platform's
documented limit per window (``READ_SHARE``), counted from the readings stored in that window
plus the reads claimed and still running, so every worker sees the same budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select, update

from planner.connectors.base import Connector
from planner.engagement_models import EngagementReading, EngagementTrack, TrackState
from planner.models import Channel, ChannelStatus, Delivery, DeliveryStatus

T = TrackState
# The part of a platform's read limit the engagement job may use; the inbox takes
# ``inbox_budget.INBOX_SHARE`` (0.4), and the rest is left for publishing and whatever else the
# account's owner runs with the same token.
READ_SHARE = 0.5


def first_reading(published_at: datetime, delays: Sequence[timedelta]) -> datetime:
    """Return when a delivery published at *published_at* is read for the first time."""
    return published_at + delays[0]


def after_reading(
    published_at: datetime, step: int, delays: Sequence[timedelta], now: datetime
) -> tuple[int, datetime | None]:
    """Return the step and time of the reading after step *step*, read at *now*.

    Steps whose time has already passed are skipped (one late reading stands for them), so a
    worker that was down for a day does not read a post three times in a row; ``None`` when
    the schedule is over.
    """
    step += 1
    while step < len(delays) and published_at + delays[step] <= now:
        step += 1
    if step >= len(delays):
        return step, None
    return step, published_at + delays[step]


def enrol(
    session: Session,
    *,
    now: datetime,
    delays: Sequence[timedelta],
    registry: Mapping[str, type[Connector]],
    limit: int = 5000,
) -> int:
    """Start tracking published deliveries not yet tracked; returns how many were added.

    Only platforms that give figures are tracked, and only deliveries published recently
    enough for a reading to remain, so turning the feature on never reads years of posts.
    """
    platforms = [name for name, cls in registry.items() if cls.gives_engagement]
    if not platforms:
        return 0
    cutoff = now - delays[-1]
    rows = session.exec(
        select(Delivery.id, Delivery.channel_id, Delivery.published_at)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .outerjoin(EngagementTrack, col(EngagementTrack.delivery_id) == Delivery.id)
        .where(
            Delivery.status == DeliveryStatus.PUBLISHED.value,
            col(Delivery.external_id).is_not(None),
            col(Delivery.published_at) >= cutoff,
            col(Channel.platform).in_(platforms),
            col(EngagementTrack.delivery_id).is_(None),
        )
        .limit(limit)
    ).all()
    if not rows:
        return 0
    values: list[dict[str, Any]] = []
    for delivery_id, channel_id, published_at in rows:
        assert published_at is not None
        step, when = 0, first_reading(published_at, delays)
        if when < now:  # published a while ago: one reading now stands for the steps passed
            step = max(i for i, delay in enumerate(delays) if published_at + delay <= now)
            when = now
        values.append(
            dict(
                delivery_id=delivery_id,
                channel_id=channel_id,
                published_at=published_at,
                step=step,
                state=T.SCHEDULED.value,
                next_at=when,
                failures=0,
                updated_at=now,
            )
        )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Another worker may enrol the same delivery at the same moment: its row wins, quietly.
    stmt = insert(EngagementTrack).values(values).on_conflict_do_nothing()
    session.exec(stmt)  # type: ignore[call-overload]
    return len(values)


def _due(now: datetime) -> Any:
    return or_(
        and_(col(EngagementTrack.state) == T.SCHEDULED.value, col(EngagementTrack.next_at) <= now),
        and_(
            col(EngagementTrack.state) == T.READING.value,
            col(EngagementTrack.lease_expires_at) < now,
        ),
    )


def read_budgets(
    session: Session,
    *,
    now: datetime,
    channel_ids: Sequence[int],
    registry: Mapping[str, type[Connector]],
) -> dict[int, int]:
    """Return how many more reads each channel may make in the current window."""
    if not channel_ids:
        return {}
    platforms = dict(
        session.exec(
            select(Channel.id, Channel.platform).where(col(Channel.id).in_(channel_ids))
        ).all()
    )
    budgets: dict[int, int] = {}
    windows: dict[int, timedelta] = {}
    for channel_id, platform in platforms.items():
        assert channel_id is not None
        cls = registry.get(platform)
        if cls is None or not cls.gives_engagement:
            continue
        # Counted in readings: a reading that makes two requests takes twice its share.
        budgets[channel_id] = int(cls.read_limit * READ_SHARE) // max(1, cls.reads_per_engagement)
        windows[channel_id] = timedelta(seconds=cls.read_window_seconds)
    for window in set(windows.values()):
        ids = [cid for cid, w in windows.items() if w == window]
        spent = session.exec(
            select(EngagementReading.channel_id, func.count())
            .where(
                col(EngagementReading.channel_id).in_(ids),
                col(EngagementReading.read_at) > now - window,
            )
            .group_by(col(EngagementReading.channel_id))
        ).all()
        for channel_id, count in spent:
            budgets[channel_id] -= count
    running = session.exec(
        select(EngagementTrack.channel_id, func.count())
        .where(
            col(EngagementTrack.channel_id).in_(list(budgets)),
            col(EngagementTrack.state) == T.READING.value,
            col(EngagementTrack.lease_expires_at) >= now,
        )
        .group_by(col(EngagementTrack.channel_id))
    ).all()
    for channel_id, count in running:
        budgets[channel_id] -= count
    return {cid: max(0, left) for cid, left in budgets.items()}


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    token: str,
    registry: Mapping[str, type[Connector]],
) -> list[int]:
    """Claim up to *limit* due readings (delivery ids) within each channel's budget."""
    if limit <= 0:
        return []
    due = _due(now)
    usable = col(EngagementTrack.channel_id).in_(
        select(Channel.id).where(Channel.status != ChannelStatus.NEEDS_REAUTH.value)
    )
    waiting = session.exec(
        select(EngagementTrack.channel_id, func.min(EngagementTrack.next_at))
        .where(due, usable)
        .group_by(col(EngagementTrack.channel_id))
    ).all()
    if not waiting:
        return []
    # The channel waiting longest goes first, so one busy account cannot starve the others.
    order = [cid for cid, _first in sorted(waiting, key=lambda row: (row[1], row[0]))]
    budgets = read_budgets(session, now=now, channel_ids=order, registry=registry)
    claim = dict(
        state=T.READING.value,
        claimed_by=token,
        lease_expires_at=now + lease,
        updated_at=now,
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    claimed: list[int] = []
    share = max(1, limit // max(1, len(order)))
    for channel_id in order:
        room = min(budgets.get(channel_id, 0), share, limit - len(claimed))
        if room <= 0:
            continue
        candidates = (
            select(EngagementTrack.delivery_id)
            .where(col(EngagementTrack.channel_id) == channel_id, due)
            .order_by(col(EngagementTrack.next_at), col(EngagementTrack.delivery_id))
            .limit(room)
        )
        if postgres:
            ids = list(session.exec(candidates.with_for_update(skip_locked=True)))
            if ids:
                session.exec(
                    update(EngagementTrack)
                    .where(col(EngagementTrack.delivery_id).in_(ids))
                    .values(**claim)
                )
            claimed += ids
            continue
        for delivery_id in session.exec(candidates).all():
            result = session.exec(
                update(EngagementTrack)
                .where(col(EngagementTrack.delivery_id) == delivery_id, due)
                .values(**claim)
            )
            if result.rowcount == 1:
                claimed.append(delivery_id)
    return claimed
