"""Sending our answers to inbox items exactly once, the way deliveries are published.

An answer is claimed with a conditional UPDATE (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sent
with no transaction open, and its outcome decided by the same pure policy as a delivery's
(``publishing.policy.decide``): transient errors retry with backoff, a used-up reply quota
(Threads) waits without using an attempt, a lost reply is retried only because the connector
makes sure the answer is not made twice (Bluesky's record key; Mastodon's ``Idempotency-Key``
plus a look in the thread; Facebook, Instagram, Threads and LinkedIn take no key, so a retry
first looks in the answered reply's thread for ours with the same text), and an answer left
``publishing`` by a vanished worker is recovered by ``policy.recover``. A published answer
marks its item done.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists
from sqlmodel import Session, col, select, update

from planner.connectors.base import Connector
from planner.connectors.bundle import UNUSABLE
from planner.connectors.errors import ConnectorError, PermanentError, UnknownOutcomeError
from planner.connectors.inbox import SentAnswer
from planner.inbox_models import InboxAnswer, InboxItem, InboxStatus
from planner.models import Channel, ChannelStatus, DeliveryStatus
from planner.publishing import policy
from planner.publishing.context import TickContext
from planner.services.channels import mark_needs_reauth

logger = logging.getLogger(__name__)

D = DeliveryStatus
PENDING = (D.QUEUED.value, D.RETRYING.value)
# An answer more than a day late is no longer an answer; it waits for a person instead.
ANSWER_LATENESS = timedelta(hours=24)
BATCH = 20


@dataclass(frozen=True)
class Job:
    answer_id: int
    item_id: int
    channel_id: int
    platform: str
    to_external_id: str
    body: str
    key: str
    attempt: int
    connector: Connector


def send_due(ctx: TickContext, *, now: datetime) -> int:
    """Recover lost answers, then send the due ones; returns how many were sent."""
    recover_expired(ctx, now=now)
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    with Session(ctx.engine) as session:
        ids = claim_due(session, now=now, limit=BATCH, lease=ctx.lease, token=token)
        session.commit()
    for answer_id in ids:
        send_one(ctx, answer_id, token)
    return len(ids)


def claim_due(
    session: Session, *, now: datetime, limit: int, lease: timedelta, token: str
) -> list[int]:
    """Claim up to *limit* due answers for the worker holding *token*; the caller commits."""
    due = and_(
        col(InboxAnswer.status).in_(PENDING),
        col(InboxAnswer.next_attempt_at) <= now,
        exists().where(
            col(Channel.id) == InboxAnswer.channel_id,
            col(Channel.status) != ChannelStatus.NEEDS_REAUTH.value,
        ),
    )
    candidates = (
        select(InboxAnswer.id).where(due).order_by(col(InboxAnswer.next_attempt_at)).limit(limit)
    )
    claim = dict(
        status=D.PUBLISHING.value,
        attempts=InboxAnswer.attempts + 1,
        lease_expires_at=now + lease,
        claimed_by=token,
        updated_at=now,
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = [i for i in session.exec(candidates.with_for_update(skip_locked=True)) if i]
        if ids:
            session.exec(update(InboxAnswer).where(col(InboxAnswer.id).in_(ids)).values(**claim))
        return ids
    claimed = []
    for answer_id in session.exec(candidates).all():
        result = session.exec(
            update(InboxAnswer).where(col(InboxAnswer.id) == answer_id, due).values(**claim)
        )
        if result.rowcount == 1 and answer_id is not None:
            claimed.append(answer_id)
    return claimed


def send_one(ctx: TickContext, answer_id: int, token: str) -> None:
    """Send one claimed answer and record what happened."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        row = session.exec(
            select(InboxAnswer, InboxItem, Channel)
            .join(InboxItem, col(InboxItem.id) == InboxAnswer.item_id)
            .join(Channel, col(Channel.id) == InboxAnswer.channel_id)
            .where(InboxAnswer.id == answer_id)
        ).first()
        if row is None:
            return
        answer, item, channel = row
        if answer.status != D.PUBLISHING or answer.claimed_by != token:
            return
        try:
            connector = ctx.connectors.for_channel(channel)
        except UNUSABLE as exc:
            _record(ctx, answer_id, token, channel.platform, None, None, _unusable(exc))
            return
        job = Job(
            answer_id,
            item.id or 0,
            channel.id or 0,
            channel.platform,
            item.external_id,
            answer.body,
            answer.idempotency_key,
            answer.attempts,
            connector,
        )
    try:
        sent = job.connector.reply(job.to_external_id, job.body, job.key, attempt=job.attempt)
        error: ConnectorError | None = None
    except ConnectorError as exc:
        logger.warning("Answer %s on %s failed: %s", answer_id, job.platform, exc)
        sent, error = None, exc
    except Exception as exc:  # a connector bug: the answer may have gone out, so never resend
        logger.exception("Answer %s on %s failed unexpectedly", answer_id, job.platform)
        sent = None
        error = UnknownOutcomeError(f"Unexpected error while answering: {exc}", safe_to_retry=False)
    _record(ctx, answer_id, token, job.platform, job.connector, sent, error)


def _unusable(exc: Exception) -> ConnectorError:
    return PermanentError(f"The channel's settings cannot be used ({exc}); reconnect it.")


def _record(
    ctx: TickContext,
    answer_id: int,
    token: str,
    platform: str,
    connector: Connector | None,
    sent: SentAnswer | None,
    error: ConnectorError | None,
) -> None:
    now = ctx.clock()
    with Session(ctx.engine, expire_on_commit=False) as session:
        answer = session.get(InboxAnswer, answer_id, populate_existing=True)
        if answer is None:
            return
        ours = answer.status == D.PUBLISHING and answer.claimed_by == token
        late_success = error is None and answer.status in (D.UNCONFIRMED, D.RETRYING, D.QUEUED)
        if not (ours or late_success):
            logger.warning("Answer %s was taken over (now %s)", answer_id, answer.status)
            return
        decision = policy.decide(
            error,
            platform=platform,
            attempts=answer.attempts,
            due_at=answer.created_at,
            now=now,
            lateness=ANSWER_LATENESS,
            policy=ctx.policy,
        )
        _apply(session, answer, decision, now, sent)
        if decision.channel_needs_reauth:
            mark_needs_reauth(
                session=session,
                channel_id=answer.channel_id,
                message=decision.message or "",
                now=now,
            )
        if connector is not None and connector.state_changed:
            session.exec(
                update(Channel)
                .where(col(Channel.id) == answer.channel_id)
                .values(state=ctx.connectors.box.seal(connector.state))
            )
        session.commit()
    logger.info("Answer %s on %s: %s", answer_id, platform, decision.status)


def _apply(
    session: Session,
    answer: InboxAnswer,
    decision: policy.Decision,
    now: datetime,
    sent: SentAnswer | None = None,
) -> None:
    """Put the decision on the answer; a published answer marks its item done."""
    answer.status = decision.status
    answer.last_error = decision.message
    answer.next_attempt_at = decision.next_attempt_at
    answer.lease_expires_at = None
    answer.claimed_by = None
    answer.updated_at = now
    if not decision.count_attempt:
        answer.attempts = max(0, answer.attempts - 1)
    session.add(answer)
    if decision.status != D.PUBLISHED:
        return
    answer.published_at = now
    if sent is not None:
        answer.external_id = (sent.external_id or "")[:255] or None
        answer.external_url = (
            sent.external_url if sent.external_url and len(sent.external_url) <= 2000 else None
        )
    item = session.get(InboxItem, answer.item_id)
    if item is not None:
        item.status = InboxStatus.DONE
        item.done_at = item.done_at or now
        item.answered_at = item.answered_at or now
        item.answer_url = answer.external_url
        session.add(item)


def recover_expired(ctx: TickContext, *, now: datetime) -> int:
    """Retry or mark ``unconfirmed`` the answers a vanished worker left ``publishing``."""
    recovered = 0
    with Session(ctx.engine, expire_on_commit=False) as session:
        stuck = session.exec(
            select(InboxAnswer, Channel.platform)
            .join(Channel, col(Channel.id) == InboxAnswer.channel_id)
            .where(
                InboxAnswer.status == D.PUBLISHING.value,
                col(InboxAnswer.lease_expires_at) < now,
            )
            .limit(100)
        ).all()
        for answer, platform in stuck:
            assert answer.lease_expires_at is not None
            decision = policy.recover(
                platform=platform,
                attempts=answer.attempts,
                due_at=answer.created_at,
                lease_expired_at=answer.lease_expires_at,
                now=now,
                lease=ctx.lease,
                lateness=ANSWER_LATENESS,
                policy=ctx.policy,
            )
            result = session.exec(
                update(InboxAnswer)
                .where(
                    col(InboxAnswer.id) == answer.id,
                    col(InboxAnswer.claimed_by) == answer.claimed_by,
                    col(InboxAnswer.status) == D.PUBLISHING.value,
                )
                .values(
                    status=decision.status,
                    last_error=decision.message,
                    next_attempt_at=decision.next_attempt_at,
                    lease_expires_at=None,
                    claimed_by=None,
                    updated_at=now,
                )
            )
            recovered += result.rowcount or 0
        session.commit()
    return recovered
