"""Housekeeping at the start of each tick: crashed workers' deliveries, missed times, series.

Each item is settled in its own short transaction under its post's lock, so a worker doing
this never holds up the others for long.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from planner.models import Delivery, DeliveryStatus, Workspace
from planner.publishing import claims, policy
from planner.publishing.attempt import missed_message
from planner.publishing.context import TickContext
from planner.services import deliveries

logger = logging.getLogger(__name__)

D = DeliveryStatus


def recover_expired_leases(session: Session, ctx: TickContext, *, now: datetime) -> int:
    """Retry or mark ``unconfirmed`` the deliveries a vanished worker left in ``publishing``."""
    recovered = 0
    for item in claims.expired_leases(session, now=now):
        session.commit()  # end the read so that each item starts with its post's lock
        post = deliveries.lock_post(session, item.post_id)
        delivery = deliveries.reload(session, item.delivery_id)
        if not _still_expired(delivery, item, now):
            session.commit()
            continue
        decision = policy.recover(
            platform=item.platform,
            attempts=delivery.attempts,
            due_at=delivery.due_at,
            lease_expired_at=delivery.lease_expires_at,
            now=now,
            lease=ctx.lease,
            lateness=policy.allowed_lateness(item.settings),
            policy=ctx.policy,
        )
        logger.warning(
            "Delivery %s was left publishing by %s; it is now %s",
            delivery.id,
            item.claimed_by,
            decision.status,
        )
        deliveries.record_result(
            session=session,
            delivery=delivery,
            status=decision.status,
            now=now,
            message=decision.message,
            next_attempt_at=decision.next_attempt_at,
        )
        notices = deliveries.settle_post(session=session, post=post, now=now) if post else []
        session.commit()
        ctx.send_notices(notices)
        recovered += 1
    session.commit()
    return recovered


def _still_expired(delivery: Delivery | None, item: claims.Expired, now: datetime) -> bool:
    return (
        delivery is not None
        and delivery.status == D.PUBLISHING
        and delivery.claimed_by == item.claimed_by
        and delivery.lease_expires_at is not None
        and delivery.lease_expires_at < now
    )


def mark_missed(session: Session, ctx: TickContext, *, now: datetime) -> int:
    """Mark ``missed`` the queued deliveries that are later than their workspace allows."""
    marked = 0
    for delivery_id, post_id in claims.overdue(session, now=now):
        session.commit()
        post = deliveries.lock_post(session, post_id)
        delivery = deliveries.reload(session, delivery_id)
        workspace = session.get(Workspace, delivery.workspace_id) if delivery else None
        if delivery is None or workspace is None or delivery.status not in claims.PENDING:
            session.commit()
            continue
        lateness = policy.allowed_lateness(workspace.settings)
        if not policy.is_missed(due_at=delivery.due_at, now=now, lateness=lateness):
            session.commit()  # retried meanwhile with a new time
            continue
        logger.info("Delivery %s missed its time (%s)", delivery.id, delivery.due_at.isoformat())
        deliveries.record_result(
            session=session,
            delivery=delivery,
            status=D.MISSED,
            now=now,
            message=missed_message(lateness, delivery),
        )
        notices = deliveries.settle_post(session=session, post=post, now=now) if post else []
        session.commit()
        ctx.send_notices(notices)
        marked += 1
    session.commit()
    return marked


def expire_reviews(session: Session, ctx: TickContext, *, now: datetime) -> int:
    """Expire drafts and posts in review whose time has passed (issue 4's rule, run by the clock)."""
    from planner.services import review

    expired = review.expire_overdue(session=session, now=now)
    notices = review.expiry_notices(session=session, posts=expired)
    session.commit()
    ctx.send_notices(notices)
    return len(expired)


SERIES_EVERY = timedelta(minutes=1)


def extend_series(session: Session, *, now: datetime, last_run: datetime | None) -> bool:
    """Materialise recurring posts up to their horizon, at most once a minute; True if it ran.

    Two workers may both try: the (series, occurrence) unique key lets one win and the other
    roll back, so no occurrence is created twice.
    """
    from planner.services import recurrence

    if last_run is not None and now - last_run < SERIES_EVERY:
        return False
    try:
        created = recurrence.extend_series(session=session, now=now)
        session.commit()
    except IntegrityError:
        session.rollback()
        logger.info("Another worker extended the recurring series first")
        return True
    if created:
        logger.info("Created %d upcoming occurrences of recurring posts", created)
    return True
