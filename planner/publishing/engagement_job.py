"""The worker's engagement job: enrol published deliveries, claim due readings, read, record.

It runs as its own APScheduler interval job (``planner.publishing.runner``), never in a web
request. Each reading runs in a thread with its own Session: the claim commits first, the
request to the platform runs with no transaction open, then one transaction records it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlmodel import Session, col, select, update

from planner.config import engagement_schedule
from planner.connectors.base import (
    AuthError,
    ConnectorError,
    Engagement,
    PostGoneError,
    TransientError,
)
from planner.connectors.bundle import UNUSABLE
from planner.engagement_models import EngagementTrack, TrackState
from planner.models import Channel, Delivery, Post
from planner.publishing import context
from planner.publishing.context import TickContext
from planner.publishing.engagement_claims import after_reading, claim_due, enrol
from planner.publishing.worker import _claim_token, stop_event
from planner.services.engagement import mark_gone, record_reading

logger = logging.getLogger(__name__)

T = TrackState
JOB_BUDGET_SECONDS = 30.0  # hand back to the clock after this long, like the publishing tick
MAX_THREADS = 4  # reads in flight per worker process; each account's budget caps them anyway
BATCH_PER_THREAD = 16  # claims per round: enough for a share of every busy account
MAX_FAILURES = 5  # failed tries of one step before the schedule moves on to the next
AUTH_WAIT = timedelta(hours=1)
RATE_WAIT = timedelta(minutes=5)  # when a 429 names no time


@dataclass(frozen=True)
class Claimed:
    """A claimed reading, with what is needed to read it."""

    delivery_id: int
    post_id: int
    workspace_id: int
    channel: Channel
    external_id: str
    published_at: datetime
    step: int
    failures: int


def run(app: Flask, *, now: datetime) -> int:
    """Read every engagement figure due at *now* (within the budgets); returns how many."""
    ctx = context.build(app, now=now)
    delays = engagement_schedule(app.config["ENGAGEMENT_SCHEDULE"])
    return read_due(ctx, delays=delays, stop=stop_event(app))


def read_due(
    ctx: TickContext, *, delays: Sequence[timedelta], stop: threading.Event | None = None
) -> int:
    """Enrol, then claim and read in batches until nothing is due, the budget or time runs out."""
    with Session(ctx.engine) as session:
        enrol(session, now=ctx.clock(), delays=delays, registry=ctx.connectors.registry)
        session.commit()
    started = ctx.clock()
    threads = min(MAX_THREADS, ctx.threads)
    done = 0
    with ThreadPoolExecutor(threads, thread_name_prefix="engagement") as pool:
        while not (stop is not None and stop.is_set()):
            if (ctx.clock() - started).total_seconds() > JOB_BUDGET_SECONDS:
                break
            token = _claim_token()
            with Session(ctx.engine) as session:
                ids = claim_due(
                    session,
                    now=ctx.clock(),
                    limit=threads * BATCH_PER_THREAD,
                    lease=ctx.lease,
                    token=token,
                    registry=ctx.connectors.registry,
                )
                session.commit()
            if not ids:
                break
            reads = [pool.submit(_read_one, ctx, i, token, delays) for i in ids]
            for failure in (read.result() for read in reads):
                if failure is not None:
                    logger.error("Recording a reading failed", exc_info=failure)
            done += len(ids)
    return done


def _read_one(
    ctx: TickContext, delivery_id: int, token: str, delays: Sequence[timedelta]
) -> BaseException | None:
    try:
        with Session(ctx.engine, expire_on_commit=False) as session:
            claimed = _load(session, delivery_id, token)
            session.commit()
            if claimed is None:
                return None
            figures, error, state = _read(ctx, claimed)
            _record(session, ctx, claimed, token, figures, error, state, delays)
            session.commit()
    except Exception as exc:  # the lease brings the reading back; the other reads go on
        return exc
    return None


def _load(session: Session, delivery_id: int, token: str) -> Claimed | None:
    row = session.exec(
        select(EngagementTrack, Delivery, Channel, Post.workspace_id)
        .join(Delivery, col(Delivery.id) == EngagementTrack.delivery_id)
        .join(Channel, col(Channel.id) == EngagementTrack.channel_id)
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(EngagementTrack.delivery_id == delivery_id)
    ).first()
    if row is None:
        return None
    track, delivery, channel, workspace_id = row
    if track.state != T.READING or track.claimed_by != token or not delivery.external_id:
        return None
    return Claimed(
        delivery_id=delivery_id,
        post_id=delivery.post_id,
        workspace_id=workspace_id,
        channel=channel,
        external_id=delivery.external_id,
        published_at=track.published_at,
        step=track.step,
        failures=track.failures,
    )


def _read(
    ctx: TickContext, claimed: Claimed
) -> tuple[Engagement | None, ConnectorError | None, dict[str, object] | None]:
    """Ask the platform; returns the figures or the error, and connector state to keep."""
    try:
        connector = ctx.connectors.for_channel(claimed.channel)
    except UNUSABLE as exc:
        return None, ConnectorError(f"The channel's settings cannot be used ({exc})"), None
    try:
        figures = connector.engagement(claimed.external_id)
        error = None
    except ConnectorError as exc:
        figures, error = None, exc
    state = connector.state if connector.state_changed else None
    if figures is None and error is None:
        error = ConnectorError(f"{connector.label} gives no figures")
    return figures, error, state


def _record(
    session: Session,
    ctx: TickContext,
    claimed: Claimed,
    token: str,
    figures: Engagement | None,
    error: ConnectorError | None,
    state: dict[str, object] | None,
    delays: Sequence[timedelta],
) -> None:
    now = ctx.clock()
    if state is not None:
        session.exec(
            update(Channel)
            .where(col(Channel.id) == claimed.channel.id)
            .values(state=ctx.connectors.box.seal(state))
        )
    track = session.exec(
        select(EngagementTrack)
        .where(EngagementTrack.delivery_id == claimed.delivery_id)
        .execution_options(populate_existing=True)
    ).first()
    if track is None or track.state != T.READING or track.claimed_by != token:
        logger.info("Reading of delivery %s was taken over; dropping it", claimed.delivery_id)
        return
    track.claimed_by = None
    track.lease_expires_at = None
    track.updated_at = now
    if isinstance(error, PostGoneError):
        mark_gone(session=session, delivery_id=claimed.delivery_id, message=error.message, now=now)
        return
    if figures is not None:
        record_reading(
            session=session,
            workspace_id=claimed.workspace_id,
            post_id=claimed.post_id,
            channel_id=claimed.channel.id or 0,
            delivery_id=claimed.delivery_id,
            figures=figures,
            now=now,
        )
        _advance(track, claimed, delays, now, error=None)
    elif isinstance(error, TransientError | AuthError) and claimed.failures + 1 < MAX_FAILURES:
        wait = AUTH_WAIT if isinstance(error, AuthError) else _backoff(error, claimed.failures)
        track.state = T.SCHEDULED.value
        track.next_at = now + wait
        track.failures = claimed.failures + 1
        track.last_error = (error.message if error else "")[:500]
        if error is not None and error.status == 429:
            _defer_channel(session, claimed.channel.id or 0, now + wait)
    else:  # refused for good, or failing too often: this step is skipped
        _advance(track, claimed, delays, now, error=error)
    session.add(track)


def _advance(
    track: EngagementTrack,
    claimed: Claimed,
    delays: Sequence[timedelta],
    now: datetime,
    *,
    error: ConnectorError | None,
) -> None:
    step, when = after_reading(claimed.published_at, claimed.step, delays, now)
    track.step = step
    track.next_at = when
    track.state = T.SCHEDULED.value if when is not None else T.DONE.value
    track.failures = 0
    track.last_error = error.message[:500] if error is not None else None


def _backoff(error: ConnectorError, failures: int) -> timedelta:
    """Wait what the platform asked (Retry-After, X-RateLimit-Reset), else back off."""
    asked = error.retry_after if isinstance(error, TransientError) else None
    if asked is not None:
        return timedelta(seconds=max(1.0, asked))
    if error.status == 429:
        return RATE_WAIT
    return timedelta(minutes=min(60, 2 ** (failures + 1)))


def _defer_channel(session: Session, channel_id: int, until: datetime) -> None:
    """A 429 is about the account: its other readings wait too instead of hitting it again."""
    session.exec(
        update(EngagementTrack)
        .where(
            col(EngagementTrack.channel_id) == channel_id,
            col(EngagementTrack.state) == T.SCHEDULED.value,
            col(EngagementTrack.next_at) < until,
        )
        .values(next_at=until)
    )
