"""Review actions on many posts at once: each post is checked on its own, so one refusal stops
no other, and the refusals come back with their reasons."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from planner.connectors.bundle import Connectors
from planner.services.errors import ServiceError
from planner.services.review import ReviewResult, approve
from planner.services.workspaces import Access


def approve_many(
    *,
    session: Session,
    acc: Access,
    post_ids: Iterable[int],
    connectors: Connectors,
    now: datetime,
) -> tuple[list[ReviewResult], dict[int, str]]:
    """Approve each post in turn; returns the approvals and, per refused post, why."""
    done: list[ReviewResult] = []
    refused: dict[int, str] = {}
    for pid in dict.fromkeys(post_ids):
        try:
            done.append(
                approve(session=session, acc=acc, post_id=pid, connectors=connectors, now=now)
            )
        except ServiceError as exc:
            refused[pid] = exc.message
    return done, refused
