"""Housekeeping at the start of each tick: review expiries, lost leases, missed times, series.

Each item is settled in a session and a short transaction of its own, under its post's lock, so
a worker doing this never holds up the others for long. An item that fails (a series whose rule
cannot be expanded, a row that breaks a service) is rolled back and logged with its id; the
other items, the other steps and the publishing after them go on, and the failed item is tried
again on the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from planner.models import Delivery, DeliveryStatus, Workspace
from planner.publishing import claims, policy, results
from planner.publishing.attempt import missed_message
from planner.publishing.context import TickContext
from planner.services import expiry, oauth_flow, recurrence, token_lifetimes
from planner.services.notifications import Notice

logger = logging.getLogger(__name__)

D = DeliveryStatus
T = TypeVar("T")
SERIES_EVERY = timedelta(minutes=1)
TOKENS_EVERY = timedelta(minutes=5)


def tidy(ctx: TickContext, *, now: datetime, series_last_run: datetime | None) -> bool:
    """Run every housekeeping step, each on its own; True if the series were looked at."""
    for step in (expire_reviews, recover_expired_leases, mark_missed):
        try:
            step(ctx, now=now)
        except Exception:
            logger.exception("Housekeeping step %s failed; publishing goes on", step.__name__)
    try:
        return extend_series(ctx, now=now, last_run=series_last_run)
    except Exception:
        logger.exception("Housekeeping step extend_series failed; publishing goes on")
        return False


def _one_by_one(
    ctx: TickContext,
    kind: str,
    items: Iterable[tuple[int, T]],
    settle: Callable[[Session, T], Sequence[Notice] | None],
) -> int:
    """Settle each (id, item) in its own session and transaction, then send its mail.

    *settle* returns the notices to send, or None when the item needed nothing after all.
    Returns how many items were settled.
    """
    settled = 0
    for item_id, item in items:
        try:
            with Session(ctx.engine, expire_on_commit=False) as session:
                notices = settle(session, item)
                session.commit()
        except Exception:
            logger.exception("Could not settle %s %s; it is tried again next tick", kind, item_id)
            continue
        if notices is not None:
            ctx.send_notices(notices)  # never raises: a mail that fails is logged
            settled += 1
    return settled


def _listed(ctx: TickContext, query: Callable[[Session], list[T]]) -> list[T]:
    with Session(ctx.engine, expire_on_commit=False) as session:
        return query(session)


def expire_reviews(ctx: TickContext, *, now: datetime) -> int:
    """Expire drafts and posts in review whose time has passed (issue 4's rule, run by the clock)."""

    def expire(session: Session, post_id: int) -> list[Notice] | None:
        results.lock_post(session, post_id)
        expired = expiry.expire_overdue(session=session, now=now, post_ids=[post_id])
        return expiry.expiry_notices(session=session, posts=expired) if expired else None

    ids = _listed(ctx, lambda session: expiry.overdue_ids(session=session, now=now))
    return _one_by_one(ctx, "expiry of post", ((i, i) for i in ids), expire)


def recover_expired_leases(ctx: TickContext, *, now: datetime) -> int:
    """Retry or mark ``unconfirmed`` the deliveries a vanished worker left in ``publishing``."""

    def recover(session: Session, item: claims.Expired) -> list[Notice] | None:
        post = results.lock_post(session, item.post_id)
        delivery = results.reload(session, item.delivery_id)
        if delivery is None:
            return None
        lease_expired_at = _expired_lease(delivery, item, now)
        if lease_expired_at is None:
            return None
        decision = policy.recover(
            platform=item.platform,
            attempts=delivery.attempts,
            due_at=delivery.due_at,
            lease_expired_at=lease_expired_at,
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
        results.record_result(
            session=session,
            delivery=delivery,
            status=decision.status,
            now=now,
            message=decision.message,
            next_attempt_at=decision.next_attempt_at,
        )
        return results.settle_post(session=session, post=post, now=now) if post else []

    items = _listed(ctx, lambda session: claims.expired_leases(session, now=now))
    return _one_by_one(ctx, "delivery", ((i.delivery_id, i) for i in items), recover)


def _expired_lease(delivery: Delivery, item: claims.Expired, now: datetime) -> datetime | None:
    """When the lease ran out, if the same worker still holds the delivery past it; else None."""
    lease = delivery.lease_expires_at
    still_held = delivery.status == D.PUBLISHING and delivery.claimed_by == item.claimed_by
    return lease if still_held and lease is not None and lease < now else None


def mark_missed(ctx: TickContext, *, now: datetime) -> int:
    """Mark ``missed`` the queued deliveries that are later than their workspace allows."""

    def miss(session: Session, ids: tuple[int, int]) -> list[Notice] | None:
        delivery_id, post_id = ids
        post = results.lock_post(session, post_id)
        delivery = results.reload(session, delivery_id)
        workspace = session.get(Workspace, delivery.workspace_id) if delivery else None
        if delivery is None or workspace is None or delivery.status not in claims.PENDING:
            return None
        lateness = policy.allowed_lateness(workspace.settings)
        if not policy.is_missed(due_at=delivery.due_at, now=now, lateness=lateness):
            return None  # retried meanwhile with a new time
        logger.info("Delivery %s missed its time (%s)", delivery.id, delivery.due_at.isoformat())
        results.record_result(
            session=session,
            delivery=delivery,
            status=D.MISSED,
            now=now,
            message=missed_message(lateness, delivery),
        )
        return results.settle_post(session=session, post=post, now=now) if post else []

    rows = _listed(ctx, lambda session: claims.overdue(session, now=now))
    return _one_by_one(ctx, "delivery", ((row[0], row) for row in rows), miss)


def extend_series(ctx: TickContext, *, now: datetime, last_run: datetime | None) -> bool:
    """Materialise recurring posts up to their horizon, at most once a minute; True if it ran.

    Each series is extended on its own. Two workers may both try one: the (series, occurrence)
    unique key lets one win and the other roll back, so no occurrence is created twice.
    """
    if last_run is not None and now - last_run < SERIES_EVERY:
        return False

    def extend(session: Session, series_id: int) -> list[Notice] | None:
        try:
            created = recurrence.extend_one(session=session, series_id=series_id, now=now)
        except IntegrityError:
            session.rollback()
            logger.info("Another worker extended series %s first", series_id)
            return None
        if created:
            logger.info("Series %s: created %d upcoming occurrences", series_id, created)
        return []

    ids = _listed(ctx, lambda session: recurrence.running_series_ids(session=session))
    _one_by_one(ctx, "series", ((i, i) for i in ids), extend)
    return True


def keep_tokens_alive(ctx: TickContext, *, now: datetime, last_run: datetime | None) -> bool:
    """Renew OAuth tokens that are due, at most every 5 minutes; True if it ran. Never raises.

    Each channel is settled on its own (see ``token_lifetimes``); flows nobody finished are
    forgotten on the way.
    """
    if last_run is not None and now - last_run < TOKENS_EVERY:
        return False
    try:

        def renew(session: Session, channel_id: int) -> list[Notice] | None:
            return token_lifetimes.keep_alive(
                session=session, channel_id=channel_id, connectors=ctx.connectors, now=now
            )

        ids = _listed(ctx, lambda session: token_lifetimes.expiring_ids(session=session, now=now))
        _one_by_one(ctx, "token of channel", ((i, i) for i in ids), renew)
        with Session(ctx.engine) as session:
            oauth_flow.forget_old(session=session, now=now)
            session.commit()
    except Exception:
        logger.exception("Housekeeping step keep_tokens_alive failed; publishing goes on")
    return True
