"""The daily email of unanswered replies, for the owners who asked for it.

Sent by the inbox job at or after 08:00 in the workspace's zone, once per local day: the day is
claimed with a conditional UPDATE of the owner's ``InboxDigest`` row before the mail goes, so
two workers never both send it. A day with nothing open sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from sqlalchemy import or_
from sqlmodel import Session, col, select, update

from planner import mail
from planner.inbox_models import InboxDigest, InboxItem, InboxStatus
from planner.models import Membership, Role, User, Workspace
from planner.publishing.context import TickContext
from planner.services import notifications
from planner.timeutils import get_zone, local_midnight, to_local

logger = logging.getLogger(__name__)

DIGEST_HOUR = 8  # local time: read with the first coffee
DIGEST_LINES = 20


def send_due(app: Flask, ctx: TickContext, *, now: datetime) -> int:
    """Send every digest due at *now*; returns how many emails went."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(InboxDigest, User, Workspace)
            .join(User, col(User.id) == InboxDigest.user_id)
            .join(Workspace, col(Workspace.id) == InboxDigest.workspace_id)
            .join(
                Membership,
                (col(Membership.user_id) == InboxDigest.user_id)
                & (col(Membership.workspace_id) == InboxDigest.workspace_id),
            )
            .where(Membership.role == Role.OWNER.value)
        ).all()
    sent = 0
    for digest, user, workspace in rows:
        tz = get_zone(workspace.timezone)
        local = to_local(now, tz)
        day_start = local_midnight(local.date(), tz)
        if local.hour < DIGEST_HOUR or (digest.last_sent_at and digest.last_sent_at >= day_start):
            continue
        sent += _send_one(app, ctx, digest, user, workspace, day_start, now)
    return sent


def _send_one(
    app: Flask,
    ctx: TickContext,
    digest: InboxDigest,
    user: User,
    workspace: Workspace,
    day_start: datetime,
    now: datetime,
) -> int:
    with Session(ctx.engine, expire_on_commit=False) as session:
        waiting = session.exec(
            select(InboxItem)
            .where(
                InboxItem.workspace_id == workspace.id,
                InboxItem.status == InboxStatus.OPEN.value,
                col(InboxItem.answered_at).is_(None),
            )
            .order_by(col(InboxItem.received_at))
        ).all()
        if not waiting:
            return 0
        claimed = session.exec(
            update(InboxDigest)
            .where(
                col(InboxDigest.id) == digest.id,
                or_(
                    col(InboxDigest.last_sent_at).is_(None),
                    col(InboxDigest.last_sent_at) < day_start,
                ),
            )
            .values(last_sent_at=now)
        )
        session.commit()
    if claimed.rowcount != 1:
        return 0  # another worker sent today's
    tz = get_zone(workspace.timezone)
    lines = [
        f"{to_local(i.received_at, tz):%a %d %b %H:%M} {i.author_handle or i.author_name}: "
        f"{notifications.excerpt(i.text, 80)}"
        for i in waiting[:DIGEST_LINES]
    ]
    try:
        message = mail.build_inbox_digest(
            app.config,
            email=user.email,
            name=user.display_name,
            workspace_name=workspace.name,
            lines=lines,
            count=len(waiting),
            now=now,
        )
    except Exception:
        logger.exception("Could not build the inbox digest for %r", user.email)
        return 0
    return mail.send_messages(app, [message], what="inbox digest", now=now)
