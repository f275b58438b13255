"""One publish attempt of one claimed delivery: check, send, record.

Each attempt runs in its own thread with its own Session: a read that checks the delivery may
still go out (the post is still the approved version, in time, the channel usable), the request
to the platform with no transaction open, then one transaction that records the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from planner.connectors.base import (
    Connector,
    ConnectorError,
    PublishRequest,
    PublishResult,
    UnknownOutcomeError,
)
from planner.connectors.bundle import UNUSABLE
from planner.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryStatus,
    Post,
    Workspace,
)
from planner.publishing import policy, results
from planner.publishing.claims import SENDABLE_POSTS
from planner.publishing.context import TickContext
from planner.publishing.media import MediaUnavailable
from planner.services import outgoing
from planner.services.channels import mark_needs_reauth
from planner.services.notifications import Notice

logger = logging.getLogger(__name__)

D = DeliveryStatus


@dataclass(frozen=True)
class Job:
    """A delivery that passed its checks, ready to be sent."""

    delivery_id: int
    post_id: int
    channel_id: int
    platform: str
    lateness: timedelta
    connector: Connector
    request: PublishRequest


def publish_one(ctx: TickContext, delivery_id: int, token: str) -> bool:
    """Publish one delivery claimed under *token*; returns whether a request was sent."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        notices: list[Notice] = []
        job = _prepare(session, ctx, delivery_id, token, notices)
        session.commit()
        if job is None:
            ctx.send_notices(notices)
            return False
        result, error = _send(job)
        _record(session, ctx, job, token, result, error, notices)
        session.commit()
    ctx.send_notices(notices)
    return True


def _prepare(
    session: Session, ctx: TickContext, delivery_id: int, token: str, notices: list[Notice]
) -> Job | None:
    """Check the claimed delivery may still go out and build its request; None when it may not.

    The usual case only reads: the claim already moved the post to ``publishing``, which
    keeps it from being edited while it is sent.
    """
    row = session.exec(
        select(Delivery, Post, Channel, Workspace)
        .join(Post, col(Post.id) == Delivery.post_id)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .join(Workspace, col(Workspace.id) == Delivery.workspace_id)
        .where(Delivery.id == delivery_id)
    ).first()
    if row is None:
        return None  # the post was deleted, and its deliveries with it
    delivery, post, channel, workspace = row
    if delivery.status != D.PUBLISHING or delivery.claimed_by != token:
        logger.info("Delivery %s is no longer claimed by this worker; skipping it", delivery_id)
        return None
    now = ctx.clock()
    lateness = policy.allowed_lateness(workspace.settings)
    if post.status not in SENDABLE_POSTS:
        _give_up(session, delivery_id, token, now, D.CANCELLED, notices, STALE)
        return None
    if channel.status == ChannelStatus.NEEDS_REAUTH:
        message = channel.status_detail or "Waiting for the channel to be reconnected."
        _give_up(session, delivery_id, token, now, D.QUEUED, notices, message)
        return None
    if policy.is_missed(due_at=delivery.due_at, now=now, lateness=lateness):
        message = missed_message(lateness, delivery)
        _give_up(session, delivery_id, token, now, D.MISSED, notices, message)
        return None
    try:
        connector = ctx.connectors.for_channel(channel)
    except UNUSABLE as exc:
        logger.warning("Channel %s cannot be used: %s", channel.id, exc)
        message = f"The channel's settings cannot be used ({exc}); reconnect the channel."
        _give_up(session, delivery_id, token, now, D.FAILED, notices, message)
        return None
    [sent] = outgoing.texts_for(
        post, [channel], workspace=workspace, connectors=ctx.connectors, now=now
    )
    try:
        media = ctx.load_media(session, delivery.post_id)
    except MediaUnavailable as exc:
        _give_up(session, delivery_id, token, now, D.FAILED, notices, str(exc))
        return None
    request = PublishRequest(
        delivery_id=delivery_id,
        idempotency_key=delivery.idempotency_key,
        text=sent.text,
        link=sent.link,
        post_id=delivery.post_id,
        channel_id=delivery.channel_id,
        category=post.category,
        scheduled_at=post.scheduled_at or delivery.due_at,
        attempt=delivery.attempts,
        media=media,
        host_image=ctx.host_image,
        card=ctx.load_card(session, post, sent.link),
    )
    return Job(
        delivery_id,
        delivery.post_id,
        delivery.channel_id,
        channel.platform,
        lateness,
        connector,
        request,
    )


STALE = "The post changed after it was approved, so this version was not sent."


def _give_up(
    session: Session,
    delivery_id: int,
    token: str,
    now: datetime,
    status: DeliveryStatus,
    notices: list[Notice],
    message: str,
) -> None:
    """Record that the claimed delivery is not sent now: cancelled, missed, failed or waiting.

    Waiting (``queued``) hands the attempt back; so does a post approved again meanwhile,
    whose new version then goes out on the next tick instead of being cancelled.
    """
    session.rollback()  # end the read: the write starts by taking the post's lock
    found = results.lock_for_delivery(session, delivery_id)
    if found is None:
        return
    delivery, post = found
    if delivery.status != D.PUBLISHING or delivery.claimed_by != token:
        return
    if status == D.CANCELLED and post.status in SENDABLE_POSTS:
        status, message = D.QUEUED, "The post was approved again; sending its new version."
    waiting = status == D.QUEUED
    results.record_result(
        session=session,
        delivery=delivery,
        status=D.RETRYING if waiting and delivery.attempts > 1 else status,
        now=now,
        message=message,
        next_attempt_at=now if waiting else None,
        give_back_attempt=waiting,
    )
    if not waiting:
        notices += results.settle_post(session=session, post=post, now=now)


def _send(job: Job) -> tuple[PublishResult | None, ConnectorError | None]:
    """Publish, turning every failure into the typed error the policy decides on."""
    try:
        return job.connector.publish(job.request), None
    except ConnectorError as exc:
        logger.warning(
            "Delivery %s to %s failed: %s", job.delivery_id, job.platform, exc, exc_info=exc
        )
        return None, exc
    except Exception as exc:  # a connector bug: the request may have gone out, so never resend
        logger.exception("Delivery %s to %s failed unexpectedly", job.delivery_id, job.platform)
        return None, UnknownOutcomeError(
            f"Unexpected error while publishing: {exc}", safe_to_retry=False
        )


def _record(
    session: Session,
    ctx: TickContext,
    job: Job,
    token: str,
    result: PublishResult | None,
    error: ConnectorError | None,
    notices: list[Notice],
) -> None:
    """Store the outcome, the connector's new state and the post's resulting status."""
    found = results.lock_for_delivery(session, job.delivery_id)
    _save_state(session, ctx, job)  # after the post's lock: one lock order for everyone
    if found is None:
        logger.warning("Delivery %s disappeared while it was being published", job.delivery_id)
        return
    delivery, post = found
    ours = delivery.status == D.PUBLISHING and delivery.claimed_by == token
    late_success = error is None and delivery.status in (D.UNCONFIRMED, D.RETRYING, D.QUEUED)
    if not (ours or late_success):
        logger.warning(
            "Delivery %s was taken over (now %s) while this worker published it; "
            "its outcome here was %s",
            job.delivery_id,
            delivery.status,
            "success" if error is None else error,
        )
        return
    now = ctx.clock()
    decision = policy.decide(
        error,
        platform=job.platform,
        attempts=delivery.attempts,
        due_at=delivery.due_at,
        now=now,
        lateness=job.lateness,
        policy=ctx.policy,
    )
    logger.info(
        "Delivery %s of post %s to %s: %s (attempt %s)",
        delivery.id,
        delivery.post_id,
        job.platform,
        decision.status,
        delivery.attempts,
    )
    results.record_result(
        session=session,
        delivery=delivery,
        status=decision.status,
        now=now,
        message=decision.message,
        next_attempt_at=decision.next_attempt_at,
        external_id=result.external_id if result else None,
        external_url=result.external_url if result else None,
        give_back_attempt=not decision.count_attempt,
    )
    if decision.channel_needs_reauth:
        if mark_needs_reauth(
            session=session, channel_id=job.channel_id, message=decision.message or "", now=now
        ):
            logger.warning("Channel %s needs reconnecting: %s", job.channel_id, decision.message)
    notices += results.settle_post(session=session, post=post, now=now)


def _save_state(session: Session, ctx: TickContext, job: Job) -> None:
    """Keep what the connector learnt (a Bluesky session, a Mastodon server's limits), sealed."""
    if job.connector.state_changed:
        session.exec(
            update(Channel)
            .where(col(Channel.id) == job.channel_id)
            .values(state=ctx.connectors.box.seal(job.connector.state))
        )


def missed_message(lateness: timedelta, delivery: Delivery) -> str:
    """Explain a missed delivery, keeping the error that held it up, if any."""
    minutes = int(lateness.total_seconds() // 60)
    text = (
        f"Not sent: it was more than {minutes} minutes past its time, the most this workspace "
        "allows. Reschedule it, or retry to publish it now."
    )
    if delivery.last_error:
        text += f" Last error: {delivery.last_error}"
    return text
