"""Review actions on many posts at once: ticked posts, or every draft of a repeating series.

Each post is checked on its own (the single actions refuse before they change anything), so
one refusal stops no other; the refusals come back with their reasons, keyed by post id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from planner.connectors.bundle import Connectors
from planner.models import Post, PostStatus, SeriesOccurrence
from planner.services.errors import ServiceError
from planner.services.posts import get_post
from planner.services.review import ReviewResult, approve, may_submit, submit
from planner.services.workspaces import Access

Outcome = tuple[list[ReviewResult], dict[int, str]]


def _each(post_ids: Iterable[int], action: Callable[[int], ReviewResult]) -> Outcome:
    done: list[ReviewResult] = []
    refused: dict[int, str] = {}
    for pid in dict.fromkeys(post_ids):
        try:
            done.append(action(pid))
        except ServiceError as exc:
            refused[pid] = exc.message
    return done, refused


def approve_many(
    *,
    session: Session,
    acc: Access,
    post_ids: Iterable[int],
    connectors: Connectors,
    now: datetime,
) -> Outcome:
    """Approve each post in turn; returns the approvals and, per refused post, why."""
    return _each(
        post_ids,
        lambda pid: approve(session=session, acc=acc, post_id=pid, connectors=connectors, now=now),
    )


def submit_many(
    *,
    session: Session,
    acc: Access,
    post_ids: Iterable[int],
    connectors: Connectors,
    now: datetime,
) -> Outcome:
    """Submit each draft in turn for review; returns the submissions and, per refused post, why."""
    return _each(
        post_ids,
        lambda pid: submit(session=session, acc=acc, post_id=pid, connectors=connectors, now=now),
    )


def series_drafts(*, session: Session, acc: Access, post: Post, now: datetime) -> list[Post]:
    """The drafts still to come in *post*'s repeating series that the user may submit, by time.

    Empty when the post does not repeat. Repeats the worker adds later start as drafts again.
    """
    occurrence = session.get(SeriesOccurrence, post.id)
    if occurrence is None:
        return []
    drafts = session.exec(
        select(Post)
        .join(SeriesOccurrence, col(SeriesOccurrence.post_id) == Post.id)
        .where(
            SeriesOccurrence.series_id == occurrence.series_id,
            Post.workspace_id == acc.workspace.id,
            Post.status == PostStatus.DRAFT,
            col(Post.scheduled_at) > now,
        )
        .order_by(col(Post.scheduled_at), col(Post.id))
    )
    return [p for p in drafts if may_submit(acc, p)]


def submit_series(
    *, session: Session, acc: Access, post_id: int, connectors: Connectors, now: datetime
) -> Outcome:
    """Submit every draft to come in the post's series for review (it must be visible to the user)."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    drafts = series_drafts(session=session, acc=acc, post=post, now=now)
    return submit_many(
        session=session,
        acc=acc,
        post_ids=[p.id for p in drafts],
        connectors=connectors,
        now=now,
    )
