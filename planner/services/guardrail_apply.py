"""Applying a suggestion in one click: checked again against the plan as it is now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from planner.guardrails import PostSnapshot, affected_span
from planner.models import Post, PostStatus
from planner.services import guardrail_checks
from planner.services import posts as post_service
from planner.services.errors import Conflict, ValidationError
from planner.services.guardrail_checks import Edits
from planner.services.guardrail_posts import snapshot_of
from planner.services.guardrail_suggestions import assess
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import combine_local, get_zone, to_local


@dataclass(frozen=True)
class Applied:
    """A suggestion a person chose to apply: a move to a day, or a new category."""

    action: str
    post_id: int
    to: date | None = None
    category: str | None = None


def _changed(post: PostSnapshot, applied: Applied, when: datetime | None) -> PostSnapshot:
    return PostSnapshot(
        post.id,
        applied.category or post.category,
        when or post.scheduled_at,
        post.status,
        post.channel_ids,
    )


def apply(*, session: Session, acc: Access, applied: Applied, now: datetime) -> Post:
    """Carry out a move or a category change through the posts service, after checking again.

    Refused when the post is approved or sent, when its time has passed, and when the plan
    has changed so that the fix no longer helps (``assess``: fewer warnings, or one closer to
    its limit) or would add a warning or make one worse.
    """
    if applied.action not in ("move", "recategorize"):
        raise ValidationError(
            "Only moves and category changes apply in one click.", fields={"action": "Unknown."}
        )
    post = post_service.get_post(session=session, acc=acc, post_id=applied.post_id)
    if post.status not in (PostStatus.DRAFT, PostStatus.IN_REVIEW):
        raise Conflict(
            f"This post is {post.status.replace('_', ' ')}; a suggestion cannot change it. "
            "Open it to change it by hand."
        )
    if post.scheduled_at is None or post.scheduled_at <= now:
        raise ValidationError(
            "This post's time has passed; a suggestion cannot change it.",
            fields={"post_id": "In the past."},
        )
    tz = get_zone(acc.workspace.timezone)
    current = snapshot_of(session, post)
    when = None
    if applied.action == "move":
        if applied.to is None:
            raise ValidationError("Say which day to move it to.", fields={"to": "Required."})
        when = combine_local(
            applied.to, to_local(post.scheduled_at, tz).time().replace(tzinfo=None), tz
        )
    elif applied.category not in post_service.CATEGORIES:
        raise ValidationError("Choose a category.", fields={"category": "Unknown."})
    changed = _changed(current, applied, when)
    span = affected_span(tz, *(t for t in (current.scheduled_at, changed.scheduled_at) if t))
    found = guardrail_checks.judge(
        session=session,
        workspace=acc.workspace,
        span=span,
        now=now,
        edits=Edits(changed=(changed,)),
        report="both",
    )
    if assess(found.warnings_before, found.warnings) is None:
        raise ValidationError(
            "The plan has changed since this was suggested: it would no longer help. "
            "Reload to see fresh suggestions.",
            fields={"post_id": "No longer helps."},
        )
    if applied.action == "move":
        assert applied.to is not None
        return post_service.move_post(
            session=session, acc=acc, post_id=post.id, day=applied.to, tz=tz, now=now
        )
    channels = post_service.channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    data = PostInput(
        body=post.body,
        category=applied.category or post.category,
        scheduled_at=post.scheduled_at,
        channel_ids=tuple(channels),
        link=post.link,
    )
    return post_service.update_post(session=session, acc=acc, post_id=post.id, data=data, now=now)


__all__ = ["Applied", "apply"]
