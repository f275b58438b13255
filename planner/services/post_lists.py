"""Listing a workspace's posts by time, status, category, channel or text.

``list_posts`` returns whole posts; a calendar grid, which shows hundreds at once and needs
only a few fields of each, reads ``list_post_rows`` instead (half the cost of a month's posts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from planner.models import Post, PostChannel


@dataclass(frozen=True)
class PostFilters:
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None
    category: str | None = None
    channel_id: int | None = None
    text: str | None = None
    scheduled: bool | None = None  # True: only scheduled, False: only ideas
    limit: int = 500


@dataclass(frozen=True, slots=True)
class PostRow:
    """The fields of a post a calendar grid shows and its guardrails judge, read as plain values."""

    id: int
    body: str
    category: str
    status: str
    scheduled_at: datetime | None


def _filtered(stmt: Any, workspace_id: int, f: PostFilters) -> Any:
    """*stmt* narrowed to the workspace's posts matching *f*, scheduled ones by time, ideas last."""
    stmt = stmt.where(Post.workspace_id == workspace_id)
    if f.start is not None:
        stmt = stmt.where(Post.scheduled_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Post.scheduled_at < f.end)
    if f.scheduled is True:
        stmt = stmt.where(col(Post.scheduled_at).is_not(None))
    elif f.scheduled is False:
        stmt = stmt.where(col(Post.scheduled_at).is_(None))
    if f.status:
        stmt = stmt.where(Post.status == f.status)
    if f.category:
        stmt = stmt.where(Post.category == f.category)
    if f.channel_id is not None:
        stmt = stmt.where(
            col(Post.id).in_(
                select(PostChannel.post_id).where(PostChannel.channel_id == f.channel_id)
            )
        )
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                col(Post.body).ilike(pattern, escape="\\"),
                col(Post.link).ilike(pattern, escape="\\"),
            )
        )
    return stmt.order_by(col(Post.scheduled_at).is_(None), Post.scheduled_at, Post.id).limit(
        f.limit
    )


def list_posts(
    *, session: Session, workspace_id: int, filters: PostFilters = PostFilters()
) -> list[Post]:
    """Return the workspace's posts matching *filters*, scheduled ones by time, ideas last."""
    return list(session.exec(_filtered(select(Post), workspace_id, filters)))


def list_post_rows(
    *, session: Session, workspace_id: int, filters: PostFilters = PostFilters()
) -> list[PostRow]:
    """The posts ``list_posts`` returns, as ``PostRow`` values rather than whole posts."""
    stmt = select(Post.id, Post.body, Post.category, Post.status, Post.scheduled_at)
    return [PostRow(*row) for row in session.exec(_filtered(stmt, workspace_id, filters))]
