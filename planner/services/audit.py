"""The append-only audit trail: every change to a post or workspace writes one event."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from planner.models import AuditEvent


def record(
    *,
    session: Session,
    workspace_id: int,
    action: str,
    now: datetime,
    actor_id: int | None = None,
    post_id: int | None = None,
    detail: str | dict[str, Any] = "",
) -> AuditEvent:
    """Append one event; structured detail is stored as JSON text."""
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, default=str)
    event = AuditEvent(
        workspace_id=workspace_id,
        post_id=post_id,
        actor_id=actor_id,
        action=action,
        detail=text,
        at=now,
    )
    session.add(event)
    return event


def post_history(*, session: Session, workspace_id: int, post_id: int) -> list[AuditEvent]:
    """Return a post's events, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.workspace_id == workspace_id, AuditEvent.post_id == post_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.exec(stmt))


def workspace_history(*, session: Session, workspace_id: int, limit: int = 200) -> list[AuditEvent]:
    """Return the workspace's newest events first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.workspace_id == workspace_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.exec(stmt))
