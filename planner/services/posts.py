"""Posts: drafting, editing, moving and listing, scoped to one workspace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from planner.models import Channel, Post, PostChannel, PostStatus, Role
from planner.services import audit, deliveries, lifecycle
from planner.services.errors import Conflict, Forbidden, NotFound, ValidationError

# Re-exported: callers have always found the post's input and its check here.
from planner.services.post_input import CATEGORIES as CATEGORIES
from planner.services.post_input import MAX_BODY as MAX_BODY
from planner.services.post_input import PostInput as PostInput
from planner.services.post_input import check_link as check_link
from planner.services.post_input import validate as validate
from planner.services.post_lists import PostFilters as PostFilters
from planner.services.post_lists import list_posts as list_posts
from planner.services.workspaces import Access
from planner.timeutils import combine_local, iso_local, iso_utc, to_local

STATUSES = tuple(s.value for s in PostStatus)
# Posts in these states have been (or are being) sent: their content is history.
LOCKED = {PostStatus.PUBLISHING, PostStatus.PUBLISHED}
# A contributor may only touch their own posts while these are their state (an expired post
# is a draft whose time passed: its author may reschedule it).
CONTRIBUTOR_EDITABLE = {PostStatus.DRAFT, PostStatus.REJECTED, PostStatus.EXPIRED}


def get_post(*, session: Session, acc: Access, post_id: int) -> Post:
    """Return a post of the workspace; other workspaces' posts do not exist for this user."""
    post = session.get(Post, post_id)
    if post is None or post.workspace_id != acc.workspace.id:
        raise NotFound("No such post.")
    return post


def can_edit(acc: Access, post: Post) -> bool:
    if post.status in LOCKED:
        return False
    if acc.role in (Role.OWNER, Role.EDITOR):
        return True
    return post.author_id == acc.user.id and post.status in CONTRIBUTOR_EDITABLE


def require_edit(acc: Access, post: Post) -> None:
    if post.status in LOCKED:
        raise Conflict(
            f"This post is {post.status.replace('_', ' ')}; it can no longer be changed."
        )
    if not can_edit(acc, post):
        raise Forbidden("Contributors can change only their own drafts.")


def channel_ids_for(*, session: Session, post_ids: Iterable[int]) -> dict[int, list[int]]:
    """Map each post id to its channel ids in one query."""
    ids = list(post_ids)
    result: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return result
    for pid, cid in session.exec(
        select(PostChannel.post_id, PostChannel.channel_id)
        .where(col(PostChannel.post_id).in_(ids))
        .order_by(PostChannel.post_id, PostChannel.channel_id)
    ):
        result[pid].append(cid)
    return result


def _set_channels(session: Session, post_id: int, channel_ids: Sequence[int]) -> None:
    session.exec(delete(PostChannel).where(PostChannel.post_id == post_id))
    for cid in channel_ids:
        session.add(PostChannel(post_id=post_id, channel_id=cid))


def create_post(*, session: Session, acc: Access, data: PostInput, now: datetime) -> Post:
    """Save a new draft."""
    data = validate(data, session=session, workspace_id=acc.workspace.id)
    [post] = _insert_drafts(session, acc, [data], now=now)
    return post


def create_posts(
    *,
    session: Session,
    acc: Access,
    items: Sequence[PostInput],
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> list[Post]:
    """Save many new drafts at once (an import): each checked as ``create_post`` does, all or none.

    A fault in any item raises ``ValidationError`` whose ``fields`` map the item's index to its
    messages; *detail* is added to each post's "created" audit event.
    """
    known = set(session.exec(select(Channel.id).where(Channel.workspace_id == acc.workspace.id)))
    cleaned: list[PostInput] = []
    faults: dict[str, str] = {}
    for index, item in enumerate(items):
        try:
            cleaned.append(
                validate(item, session=session, workspace_id=acc.workspace.id, known_channels=known)
            )
        except ValidationError as exc:
            faults[str(index)] = " ".join(exc.fields.values())
    if faults:
        raise ValidationError(f"{len(faults)} of the posts cannot be saved.", fields=faults)
    return _insert_drafts(session, acc, cleaned, now=now, detail=detail)


def _insert_drafts(
    session: Session,
    acc: Access,
    cleaned: Sequence[PostInput],
    *,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> list[Post]:
    """Insert already validated drafts with their channels and a "created" audit event each."""
    posts = [
        Post(
            workspace_id=acc.workspace.id,
            author_id=acc.user.id,
            body=data.body,
            category=data.category,
            link=data.link,
            utm_campaign=data.utm_campaign or None,
            variants=dict(data.variants or {}),
            scheduled_at=data.scheduled_at,
            status=PostStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        for data in cleaned
    ]
    session.add_all(posts)
    session.flush()
    for post, data in zip(posts, cleaned, strict=True):
        session.add_all(PostChannel(post_id=post.id, channel_id=cid) for cid in data.channel_ids)
        audit.record(
            session=session,
            workspace_id=acc.workspace.id,
            actor_id=acc.user.id,
            post_id=post.id,
            action="created",
            detail={
                "category": post.category,
                "channels": list(data.channel_ids),
                "scheduled_at": iso_utc(post.scheduled_at),
                **(detail or {}),
            },
            now=now,
        )
    session.flush()
    return posts


def describe_changes(post: Post, old_channels: Sequence[int], data: PostInput) -> dict[str, Any]:
    """Return what an edit changes, field by field, for the audit trail."""
    changes: dict[str, Any] = {}
    if post.body != data.body:
        changes["body"] = "changed"
    if post.category != data.category:
        changes["category"] = [post.category, data.category]
    if post.link != data.link:
        changes["link"] = [post.link, data.link]
    if data.variants is not None and dict(post.variants or {}) != dict(data.variants):
        changes["variants"] = "changed"
    if data.utm_campaign is not None and post.utm_campaign != (data.utm_campaign or None):
        changes["utm_campaign"] = [post.utm_campaign, data.utm_campaign or None]
    if post.scheduled_at != data.scheduled_at:
        changes["scheduled_at"] = [iso_utc(post.scheduled_at), iso_utc(data.scheduled_at)]
    if sorted(old_channels) != sorted(data.channel_ids):
        changes["channels"] = [sorted(old_channels), sorted(data.channel_ids)]
    return changes


def update_post(
    *, session: Session, acc: Access, post_id: int, data: PostInput, now: datetime
) -> Post:
    """Apply an edit; a no-op edit records nothing."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    require_edit(acc, post)
    data = validate(data, session=session, workspace_id=acc.workspace.id)
    old_channels = channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    changes = describe_changes(post, old_channels, data)
    if not changes:
        return post
    if "body" in changes or "variants" in changes:
        post.body_edited_by_id = acc.user.id  # who rewrote it counts as an author when approving
    post.body, post.category, post.link = data.body, data.category, data.link
    if data.utm_campaign is not None:
        post.utm_campaign = data.utm_campaign or None
    if data.variants is not None:
        post.variants = dict(data.variants)
    post.scheduled_at = data.scheduled_at
    post.updated_at = now
    session.add(post)
    if "channels" in changes:
        _set_channels(session, post.id, data.channel_ids)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="edited",
        detail=changes,
        now=now,
    )
    return_after_edit(session=session, acc=acc, post=post, fields=sorted(changes), now=now)
    session.flush()
    return post


def return_after_edit(
    *, session: Session, acc: Access, post: Post, fields: Sequence[str], now: datetime
) -> None:
    """Move a post whose content changed where the lifecycle says (approved: back to review)."""
    if (to := lifecycle.status_after_edit(post, editor_id=acc.user.id)) is not None:
        if to == PostStatus.IN_REVIEW:
            # The worker reads the post when it sends: no queued delivery may outlive the edit.
            deliveries.cancel_pending(
                session=session, post_id=post.id, now=now, reason="Edited after approval."
            )
        lifecycle.change_status(
            session=session,
            post=post,
            to=to,
            now=now,
            action="returned_to_review" if to == PostStatus.IN_REVIEW else "returned_to_draft",
            actor_id=acc.user.id,
            detail=dict(reason="edited", fields=list(fields)),
        )


def move_post(
    *, session: Session, acc: Access, post_id: int, day: date, tz: ZoneInfo, now: datetime
) -> Post:
    """Reschedule a post to *day*, keeping its local time of day (as dragging on the calendar does).

    A day whose time has passed is refused: the post would only expire there.
    """
    post = get_post(session=session, acc=acc, post_id=post_id)
    if post.scheduled_at is None:
        raise ValidationError(
            "This idea has no time yet; open it to schedule it.",
            fields={"scheduled_at": "No time set."},
        )
    local = to_local(post.scheduled_at, tz)
    when = combine_local(day, local.time().replace(tzinfo=None), tz)
    if when <= now:
        # Moved into the past, the post would silently turn "Expired" at the next tick.
        raise ValidationError(
            f"{day:%A %-d %B} at {local:%H:%M} has already passed; move it to a later day.",
            fields={"date": "A day in the past."},
        )
    channels = channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    data = PostInput(
        body=post.body,
        category=post.category,
        link=post.link,
        scheduled_at=when,
        channel_ids=tuple(channels),
    )
    return update_post(session=session, acc=acc, post_id=post.id, data=data, now=now)


def duplicate_post(*, session: Session, acc: Access, post_id: int, now: datetime) -> Post:
    """Copy a post as a new draft by the current user, with the same time and channels."""
    src = get_post(session=session, acc=acc, post_id=post_id)
    channels = channel_ids_for(session=session, post_ids=[src.id]).get(src.id, [])
    copy = create_post(
        session=session,
        acc=acc,
        now=now,
        data=PostInput(
            body=src.body,
            category=src.category,
            scheduled_at=src.scheduled_at,
            channel_ids=tuple(channels),
            link=src.link,
            variants=dict(src.variants or {}),
        ),
    )
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=copy.id,
        action="duplicated",
        detail={"from_post_id": src.id},
        now=now,
    )
    return copy


def delete_post(*, session: Session, acc: Access, post_id: int, now: datetime) -> None:
    """Delete a post that has not been sent; its audit trail stays."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    require_edit(acc, post)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="deleted",
        detail={"body": post.body[:80], "scheduled_at": iso_utc(post.scheduled_at)},
        now=now,
    )
    session.exec(delete(PostChannel).where(PostChannel.post_id == post.id))
    session.delete(post)
    session.flush()


def post_json(
    post: Post,
    channel_ids: Sequence[int],
    tz: ZoneInfo,
    warnings: Sequence[dict[str, Any]] = (),
    rrule: str | None = None,
) -> dict[str, Any]:
    """The API shape of a post; *rrule* is its series' rule when it is a repeating post."""
    return {
        "id": post.id,
        "workspace_id": post.workspace_id,
        "author_id": post.author_id,
        "body": post.body,
        "category": post.category,
        "status": post.status,
        "scheduled_at": iso_utc(post.scheduled_at),
        "scheduled_at_local": iso_local(post.scheduled_at, tz),
        "channel_ids": list(channel_ids),
        "link": post.link,
        "utm_campaign": post.utm_campaign,
        "variants": dict(post.variants or {}),
        "created_at": iso_utc(post.created_at),
        "updated_at": iso_utc(post.updated_at),
        "warnings": list(warnings),
        "rrule": rrule,
    }
