"""Evergreen posts: published posts that offer themselves again, as copies, to "fill the month"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from planner.models import EvergreenMark, Post, PostStatus
from planner.planning.fill import EVERGREEN, Idea
from planner.services import audit, media
from planner.services import posts as post_service
from planner.services.errors import Conflict, NotFound, ValidationError
from planner.services.posts import PostInput
from planner.services.slots import require_manager
from planner.services.workspaces import Access

DEFAULT_GAP_DAYS = 30
DEFAULT_MAX_USES = 3
MAX_GAP_DAYS = 730
MAX_USES = 50


def get_mark(*, session: Session, post_id: int) -> EvergreenMark | None:
    return session.get(EvergreenMark, post_id)


def mark_evergreen(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    now: datetime,
    min_gap_days: int = DEFAULT_GAP_DAYS,
    max_uses: int = DEFAULT_MAX_USES,
) -> EvergreenMark:
    """Mark a published post evergreen, or change its gap and count (owners and editors)."""
    require_manager(acc, "mark posts evergreen")
    post = post_service.get_post(session=session, acc=acc, post_id=post_id)
    if post.status != PostStatus.PUBLISHED:
        raise Conflict("Only a published post can be reused; mark it once it has gone out.")
    fields: dict[str, str] = {}
    if not 1 <= min_gap_days <= MAX_GAP_DAYS:
        fields["min_gap_days"] = f"Choose a gap from 1 to {MAX_GAP_DAYS} days."
    if not 1 <= max_uses <= MAX_USES:
        fields["max_uses"] = f"Choose from 1 to {MAX_USES} reuses."
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    existing = get_mark(session=session, post_id=post.id)
    if existing is None:
        existing = EvergreenMark(
            post_id=post.id,
            workspace_id=acc.workspace.id,
            last_used_at=post.scheduled_at or now,
            created_by_id=acc.user.id,
            created_at=now,
        )
    existing.min_gap_days, existing.max_uses = min_gap_days, max_uses
    session.add(existing)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="evergreen_marked",
        detail={"min_gap_days": min_gap_days, "max_uses": max_uses},
        now=now,
    )
    session.flush()
    return existing


def unmark_evergreen(*, session: Session, acc: Access, post_id: int, now: datetime) -> None:
    """Stop offering a post for reuse; copies already made stay."""
    require_manager(acc, "change evergreen posts")
    post = post_service.get_post(session=session, acc=acc, post_id=post_id)
    existing = get_mark(session=session, post_id=post.id)
    if existing is None:
        raise NotFound("This post is not evergreen.")
    session.delete(existing)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="evergreen_unmarked",
        now=now,
    )
    session.flush()


def next_use(mark: EvergreenMark) -> datetime | None:
    """Return when the post may be reused next, or None when its reuses are used up."""
    if mark.uses >= mark.max_uses:
        return None
    return mark.last_used_at + timedelta(days=mark.min_gap_days)


def offers(*, session: Session, workspace_id: int) -> list[Idea]:
    """Return the evergreen posts that may still be reused, as ideas that respect their gap."""
    rows = session.exec(
        select(EvergreenMark, Post)
        .join(Post, Post.id == EvergreenMark.post_id)
        .where(EvergreenMark.workspace_id == workspace_id)
        .order_by(EvergreenMark.last_used_at, EvergreenMark.post_id)
    ).all()
    targets = post_service.channel_ids_for(session=session, post_ids=[p.id for _m, p in rows])
    found = []
    for mark_row, post in rows:
        not_before = next_use(mark_row)
        if not_before is None:
            continue
        found.append(
            Idea(
                id=post.id,
                category=post.category,
                channel_ids=tuple(targets.get(post.id, ())),
                source=EVERGREEN,
                not_before=not_before,
            )
        )
    return found


def reuse(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    at: datetime,
    channel_ids: tuple[int, ...],
    now: datetime,
) -> Post:
    """Copy an evergreen post as a new draft at *at*, counting one use of it."""
    mark_row = get_mark(session=session, post_id=post_id)
    source = post_service.get_post(session=session, acc=acc, post_id=post_id)
    not_before = None if mark_row is None else next_use(mark_row)
    if not_before is None or at < not_before:
        raise Conflict("This evergreen post cannot be reused at that time any more.")
    copy = post_service.create_post(
        session=session,
        acc=acc,
        now=now,
        data=PostInput(
            body=source.body,
            category=source.category,
            scheduled_at=at,
            channel_ids=channel_ids,
            link=source.link,
            variants={k: v for k, v in (source.variants or {}).items() if int(k) in channel_ids},
        ),
    )
    media.copy_post_media(session=session, acc=acc, from_post_id=source.id, to_post=copy, now=now)
    mark_row.uses += 1
    mark_row.last_used_at = at
    session.add(mark_row)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=copy.id,
        action="evergreen_reused",
        detail={"from_post_id": source.id, "use": mark_row.uses},
        now=now,
    )
    session.flush()
    return copy
