"""The worker's look for replies and mentions, one channel at a time, within rate limits.

Each channel has an ``InboxPoll`` row: a look at it is claimed with a conditional UPDATE (a
lease, as deliveries have), so two workers, or a worker and a person's "look now", never fetch
one channel together; and the unique ``(channel_id, external_id)`` of the items makes storing
one twice impossible anyway. No transaction is open while the platform is asked.

A look reads the threads of the channel's posts published in the last 14 days and the
account's mentions, within the channel's share of its platform's read limit (``inbox_budget``):
all of them, newest first, when the share covers them (at most ``MAX_POSTS_PER_LOOK``, a third
of Mastodon's 300 requests per 5 minutes), otherwise the newest and the others in turn. A 429
stops the look at once and defers the channel until the platform's reset time; even "look now"
waits for it.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from planner.connectors.base import Connector
from planner.connectors.bundle import UNUSABLE
from planner.connectors.errors import AuthError, ConnectorError, PermanentError, TransientError
from planner.connectors.http import counting
from planner.connectors.inbox import Incoming
from planner.inbox_models import InboxPoll, InboxPostLook
from planner.models import Channel, ChannelStatus, Delivery, DeliveryStatus
from planner.publishing import context, inbox_digest
from planner.publishing.context import TickContext
from planner.publishing.inbox_budget import Budget, Target, budget, in_turn
from planner.services import inbox

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(days=14)
MAX_POSTS_PER_LOOK = 100
# Mentions are asked for again a little before the last look: federation delivers late, and
# what is fetched twice is stored once.
MENTION_OVERLAP = timedelta(minutes=10)
# A token that may publish but not read (Mastodon's out_of_scope_for_token) is not asked again
# for a while; publishing through the channel is not affected.
AUTH_WAIT = timedelta(hours=6)
CHANNELS_PER_TICK = 50


@dataclass(frozen=True)
class Look:
    """What one look at one channel did."""

    channel_id: int
    stored: int = 0
    looked: bool = True
    deferred_until: datetime | None = None
    error: str | None = None


def tick(app: Flask, *, now: datetime) -> list[Look]:
    """The inbox job: look at every channel that is due, then send the daily digests."""
    ctx = context.build(app, now=now)
    looks = poll_due(ctx, now=now, interval=_interval(app))
    try:
        inbox_digest.send_due(app, ctx, now=now)
    except Exception:
        logger.exception("Sending the inbox digests failed; they are tried again next time")
    return looks


def _interval(app: Flask) -> timedelta:
    return timedelta(seconds=max(30.0, float(app.config["INBOX_POLL_SECONDS"])))


def poll_due(ctx: TickContext, *, now: datetime, interval: timedelta) -> list[Look]:
    """Look at the channels whose next look is due and that no one else is looking at."""
    _add_missing_rows(ctx, now, workspace_id=None)
    with Session(ctx.engine) as session:
        due = list(
            session.exec(
                select(InboxPoll.channel_id)
                .where(col(InboxPoll.next_poll_at) <= now, _free(now))
                .order_by(col(InboxPoll.next_poll_at))
                .limit(CHANNELS_PER_TICK)
            )
        )
    return [
        look
        for channel_id in due
        if (look := _claim_and_look(ctx, channel_id, now, interval, force=False))
    ]


def refresh_workspace(
    ctx: TickContext, *, workspace_id: int, now: datetime, interval: timedelta
) -> list[Look]:
    """Look at the workspace's channels now (a person asked), except those that must wait."""
    _add_missing_rows(ctx, now, workspace_id=workspace_id)
    with Session(ctx.engine) as session:
        rows = session.exec(
            select(InboxPoll)
            .join(Channel, col(Channel.id) == InboxPoll.channel_id)
            .where(Channel.workspace_id == workspace_id)
            .order_by(col(InboxPoll.channel_id))
        ).all()
    looks = []
    for row in rows:
        look = _claim_and_look(ctx, row.channel_id, now, interval, force=True)
        if look is None:
            waiting = (
                row.deferred_until if row.deferred_until and row.deferred_until > now else None
            )
            look = Look(row.channel_id, looked=False, deferred_until=waiting, error=row.last_error)
        looks.append(look)
    return looks


def _free(now: datetime) -> Any:
    """Nobody holds a live lease on the look, and the platform asked for no wait."""
    return and_(
        or_(col(InboxPoll.lease_expires_at).is_(None), col(InboxPoll.lease_expires_at) < now),
        or_(col(InboxPoll.deferred_until).is_(None), col(InboxPoll.deferred_until) <= now),
    )


def _add_missing_rows(ctx: TickContext, now: datetime, *, workspace_id: int | None) -> None:
    """Give every channel that has an inbox its look row (due at once)."""
    platforms = [name for name, cls in ctx.connectors.registry.items() if cls.inbox]
    with Session(ctx.engine) as session:
        stmt = select(Channel.id).where(
            col(Channel.platform).in_(platforms),
            col(Channel.id).not_in(select(InboxPoll.channel_id)),
        )
        if workspace_id is not None:
            stmt = stmt.where(Channel.workspace_id == workspace_id)
        missing = list(session.exec(stmt))
        for channel_id in missing:
            if channel_id is None:
                continue
            try:
                with session.begin_nested():  # another worker may add it first
                    session.add(InboxPoll(channel_id=channel_id, next_poll_at=now))
            except IntegrityError:
                continue
        session.commit()


def _claim_and_look(
    ctx: TickContext, channel_id: int, now: datetime, interval: timedelta, *, force: bool
) -> Look | None:
    """Claim the channel's look and make it; None when someone else has it or it must wait."""
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    condition = and_(col(InboxPoll.channel_id) == channel_id, _free(now))
    if not force:
        condition = and_(condition, col(InboxPoll.next_poll_at) <= now)
    with Session(ctx.engine) as session:
        claimed = session.exec(
            update(InboxPoll)
            .where(condition)
            .values(lease_expires_at=now + ctx.lease, claimed_by=token)
        )
        session.commit()
    if claimed.rowcount != 1:
        return None
    return _look(ctx, channel_id, token, now, interval)


@dataclass(frozen=True)
class Spent:
    """What a look leaves of the channel's read share, and the posts whose replies it read."""

    left: float | None
    looked: Sequence[int] = ()


def _look(
    ctx: TickContext, channel_id: int, token: str, now: datetime, interval: timedelta
) -> Look:
    with Session(ctx.engine, expire_on_commit=False) as session:
        channel = session.get(Channel, channel_id)
        poll = session.get(InboxPoll, channel_id)
        if channel is None or poll is None:
            return Look(channel_id, looked=False)
        targets = _targets(session, channel_id, now)
        # The first look takes the last 14 days of mentions, not the account's whole history.
        since = poll.mentions_since or now - LOOKBACK
        unusable = ""
        try:
            connector: Connector | None = ctx.connectors.for_channel(channel)
        except UNUSABLE as exc:
            connector = None
            unusable = f"The channel's settings cannot be used ({exc})"
    if connector is None or channel.status == ChannelStatus.NEEDS_REAUTH:
        problem = unusable if connector is None else "The channel needs reconnecting"
        spent = Spent(poll.read_credit)
        return _finish(ctx, channel, token, now, now + interval, None, [], None, problem, spent)
    share = budget(type(connector), interval)
    credit = share.credit(poll.read_credit, poll.last_polled_at, now) if share is not None else None
    found: list[tuple[int | None, list[Incoming]]] = []
    looked: list[int] = []
    deferred: datetime | None = None
    error: str | None = None
    mentions_since = since
    with counting() as sent:
        try:
            for target in _chosen(targets, share, credit, now):
                if not _affords(share, credit, sent.requests):
                    break  # earlier posts cost more than usual: the rest wait for their turn
                try:
                    found.append((target.post_id, connector.replies(target.external_id, None)))
                except PermanentError as exc:  # this post only: refused or unreadable
                    logger.info(
                        "Replies of %s on channel %s: %s", target.external_id, channel_id, exc
                    )
                looked.append(target.delivery_id)  # a 429 leaves the post for the next look
            found.append((None, connector.mentions(since)))
            mentions_since = now - MENTION_OVERLAP
        except TransientError as exc:
            wait = timedelta(seconds=exc.retry_after or 0)
            deferred = now + max(wait, interval)
            error = f"{channel.name} asked planner to wait: {exc.message}"
            logger.info("Inbox look at channel %s deferred to %s: %s", channel_id, deferred, exc)
        except AuthError as exc:
            deferred = now + AUTH_WAIT
            error = f"{channel.name} refused to show replies: {exc.message}"
            logger.warning("Inbox look at channel %s refused: %s", channel_id, exc)
        except ConnectorError as exc:
            error = exc.message
            logger.warning("Inbox look at channel %s failed: %s", channel_id, exc)
    spent = Spent(None if credit is None else credit - sent.requests, looked)
    return _finish(
        ctx,
        channel,
        token,
        now,
        now + interval,
        deferred,
        found,
        mentions_since,
        error,
        spent,
        connector,
    )


def _targets(session: Session, channel_id: int, now: datetime) -> list[Target]:
    """The channel's posts published in the last 14 days, with when each was last read."""
    rows = session.exec(
        select(Delivery, InboxPostLook.looked_at)
        .outerjoin(InboxPostLook, col(InboxPostLook.delivery_id) == Delivery.id)
        .where(
            Delivery.channel_id == channel_id,
            Delivery.status == DeliveryStatus.PUBLISHED.value,
            col(Delivery.published_at) >= now - LOOKBACK,
            col(Delivery.external_id).is_not(None),
        )
    ).all()
    return [
        Target(d.id, d.post_id, str(d.external_id), d.published_at, looked_at)
        for d, looked_at in rows
        if d.id is not None and d.published_at is not None
    ]


def _chosen(
    targets: list[Target], share: Budget | None, credit: float | None, now: datetime
) -> list[Target]:
    """The posts this look reads: as many as the budget allows, never more than the cap."""
    room = MAX_POSTS_PER_LOOK
    if share is not None and credit is not None:
        room = min(room, share.room(credit))
    return in_turn(targets, room=room, now=now)


def _affords(share: Budget | None, credit: float | None, spent: int) -> bool:
    """Whether one more post fits in what is left (always, where no limit is documented)."""
    return share is None or credit is None or share.room(credit - spent) >= 1


def _finish(
    ctx: TickContext,
    channel: Channel,
    token: str,
    now: datetime,
    next_poll_at: datetime,
    deferred: datetime | None,
    found: list[tuple[int | None, list[Incoming]]],
    mentions_since: datetime | None,
    error: str | None,
    spent: Spent,
    connector: Connector | None = None,
) -> Look:
    """Store what was found and hand the look back, in one transaction."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        stored = sum(
            inbox.store_found(session=session, channel=channel, found=items, now=now, post_id=post)
            for post, items in found
        )
        session.exec(
            update(InboxPoll)
            .where(col(InboxPoll.channel_id) == channel.id, col(InboxPoll.claimed_by) == token)
            .values(
                next_poll_at=max(next_poll_at, deferred or next_poll_at),
                deferred_until=deferred,
                lease_expires_at=None,
                claimed_by=None,
                last_polled_at=now,
                mentions_since=mentions_since,
                last_error=error,
                read_credit=spent.left,
            )
        )
        _remember_looks(session, channel.id or 0, spent.looked, now)
        if connector is not None and connector.state_changed:
            session.exec(
                update(Channel)
                .where(col(Channel.id) == channel.id)
                .values(state=ctx.connectors.box.seal(connector.state))
            )
        session.commit()
    if stored:
        logger.info("Inbox: %d new on channel %s", stored, channel.id)
    return Look(channel.id or 0, stored=stored, deferred_until=deferred, error=error)


def _remember_looks(
    session: Session, channel_id: int, looked: Sequence[int], now: datetime
) -> None:
    """Note when the posts were read, and forget those too old for the inbox to read again."""
    if looked:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(InboxPostLook).values(
            [dict(delivery_id=delivery_id, looked_at=now) for delivery_id in looked]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["delivery_id"], set_=dict(looked_at=stmt.excluded.looked_at)
        )
        session.exec(stmt)  # type: ignore[call-overload]
    session.exec(
        delete(InboxPostLook).where(
            col(InboxPostLook.delivery_id).in_(
                select(Delivery.id).where(
                    Delivery.channel_id == channel_id,
                    col(Delivery.published_at) < now - LOOKBACK,
                )
            )
        )
    )
