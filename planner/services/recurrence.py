"""Recurring posts: a series turns one post and a repeat rule into real posts, a horizon ahead.

Every occurrence is an ordinary post (a draft), so guardrails, review and publishing treat each
one on its own. Occurrences are materialised up to ``recurrence_horizon_days`` ahead (60 by
default) and ``extend_series`` moves that horizon on; it never creates an occurrence in the
past, so a series that was not extended while the app was down simply skips the missed ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Literal

from sqlmodel import Session, col, select

from planner.models import (
    Channel,
    Membership,
    Post,
    RecurringSeries,
    Role,
    SeriesOccurrence,
    User,
    Workspace,
)
from planner.planning import rrules
from planner.services import audit
from planner.services import media as media_service
from planner.services import posts as post_service
from planner.services.errors import Conflict, Forbidden, ValidationError
from planner.services.posts import LOCKED, PostInput
from planner.services.workspaces import Access
from planner.timeutils import OUT_OF_SPAN, get_zone, in_span, to_local

logger = logging.getLogger(__name__)

DEFAULT_HORIZON_DAYS = 60
MAX_HORIZON_DAYS = 366
# A series is extended once its horizon is this much short, not on every tick of the worker.
EXTEND_SLACK = timedelta(hours=12)


def horizon(workspace: Workspace) -> timedelta:
    """How far ahead a workspace's series are materialised."""
    raw = (workspace.settings or {}).get("recurrence_horizon_days", DEFAULT_HORIZON_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        days = DEFAULT_HORIZON_DAYS
    return timedelta(days=min(max(days, 1), MAX_HORIZON_DAYS))


def parse_rrule(text: object) -> rrules.Rule:
    """Check an RRULE value, raising ``ValidationError`` on the ``rrule`` field."""
    try:
        return rrules.parse_rule(text)
    except rrules.RuleError as exc:
        raise ValidationError(exc.message, fields={"rrule": exc.message}) from None


def _rule(series: RecurringSeries) -> rrules.Rule:
    return rrules.parse_rule(series.rrule, stored=True)


def describe(series: RecurringSeries, tz_name: str) -> str:
    """The series' rule in plain words: "Every week on Tuesday at 10:00, 8 times"."""
    return rrules.describe(_rule(series), series.starts_local, get_zone(tz_name))


def series_of(*, session: Session, post_ids: Iterable[int]) -> dict[int, RecurringSeries]:
    """Map each post id that is an occurrence to its series, in one query."""
    ids = list(post_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(SeriesOccurrence.post_id, RecurringSeries)
        .join(RecurringSeries, RecurringSeries.id == SeriesOccurrence.series_id)
        .where(col(SeriesOccurrence.post_id).in_(ids))
    ).all()
    return dict(rows)


def rrules_for(*, session: Session, post_ids: Iterable[int]) -> dict[int, str]:
    """Map each post id that is an occurrence to its series' RRULE text."""
    return {pid: s.rrule for pid, s in series_of(session=session, post_ids=post_ids).items()}


def _existing_channels(session: Session, workspace_id: int, channel_ids: list[int]) -> list[int]:
    if not channel_ids:
        return []
    found = set(
        session.exec(
            select(Channel.id).where(
                Channel.workspace_id == workspace_id, col(Channel.id).in_(channel_ids)
            )
        )
    )
    return [c for c in channel_ids if c in found]


def _materialise(
    session: Session, acc: Access, series: RecurringSeries, *, now: datetime
) -> list[Post]:
    """Create the occurrences after the series' horizon (and after now) up to the new horizon."""
    tz = get_zone(acc.workspace.timezone)
    rule = _rule(series)
    until = now + horizon(acc.workspace)
    bound = until if series.ends_before is None else min(until, series.ends_before)
    after = max(series.materialised_until, now)
    channels = _existing_channels(session, acc.workspace.id, list(series.channel_ids))
    kept = {str(c) for c in channels}  # a deleted channel's text goes with it
    variants = {k: v for k, v in (series.variants or {}).items() if k in kept}
    created = []
    for _number, at in rrules.occurrences(rule, series.starts_local, tz, before=bound):
        if at <= after:
            continue
        post = post_service.create_post(
            session=session,
            acc=acc,
            now=now,
            data=PostInput(
                body=series.body,
                category=series.category,
                scheduled_at=at,
                channel_ids=tuple(channels),
                link=series.link,
                utm_campaign=series.utm_campaign,
                variants=variants,
            ),
        )
        media_service.apply_template(session=session, post=post, template=series.media or [])
        session.add(SeriesOccurrence(post_id=post.id, series_id=series.id, occurrence_at=at))
        created.append(post)
    series.materialised_until = max(series.materialised_until, until)
    if series.ends_before is not None and series.materialised_until >= series.ends_before:
        series.finished = True
    elif not rrules.has_more_after(rule, series.starts_local, tz, after=series.materialised_until):
        series.finished = True
    series.updated_at = now
    session.add(series)
    session.flush()
    return created


def start_series(
    *, session: Session, acc: Access, post: Post, rrule: object, now: datetime
) -> RecurringSeries:
    """Make *post* the first occurrence of a new series and materialise the next ones."""
    rule = parse_rrule(rrule)
    if post.scheduled_at is None:
        message = "A repeating post needs a date and time to start from."
        raise ValidationError(message, fields={"scheduled_at": message})
    if not in_span(post.scheduled_at):
        raise ValidationError(OUT_OF_SPAN, fields={"scheduled_at": OUT_OF_SPAN})
    if series_of(session=session, post_ids=[post.id]):
        raise Conflict("This post already repeats.")
    tz = get_zone(acc.workspace.timezone)
    starts_local = to_local(post.scheduled_at, tz).replace(tzinfo=None)
    if not rrules.has_more_after(rule, starts_local, tz, after=post.scheduled_at):
        message = "This rule never repeats after the first post."
        raise ValidationError(message, fields={"rrule": message})
    channels = post_service.channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    series = RecurringSeries(
        workspace_id=acc.workspace.id,
        created_by_id=acc.user.id,
        rrule=rule.text,
        starts_local=starts_local,
        body=post.body,
        category=post.category,
        link=post.link,
        utm_campaign=post.utm_campaign,
        channel_ids=list(channels),
        variants=dict(post.variants or {}),
        media=media_service.media_template(session=session, post_id=post.id),
        materialised_until=post.scheduled_at,
        created_at=now,
        updated_at=now,
    )
    session.add(series)
    session.flush()
    session.add(
        SeriesOccurrence(post_id=post.id, series_id=series.id, occurrence_at=post.scheduled_at)
    )
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="series_started",
        detail={"rrule": rule.text, "series_id": series.id},
        now=now,
    )
    _materialise(session, acc, series, now=now)
    return series


def _creator_access(session: Session, series: RecurringSeries) -> Access | None:
    """The series creator's standing in its workspace, which new occurrences are created under."""
    if series.created_by_id is None:
        return None
    row = session.exec(
        select(User, Workspace, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(User.id == series.created_by_id, Workspace.id == series.workspace_id)
    ).first()
    if row is None:
        return None
    user, workspace, role = row
    return Access(user=user, workspace=workspace, role=Role(role))


def running_series_ids(*, session: Session) -> list[int]:
    """Return the ids of the series still growing, oldest first, for the worker to extend one by one."""
    return list(
        session.exec(
            select(RecurringSeries.id)
            .where(col(RecurringSeries.finished).is_(False))
            .order_by(RecurringSeries.id)
        )
    )


def extend_one(*, session: Session, series_id: int, now: datetime) -> int:
    """Materialise one series up to its workspace's horizon; return the posts created.

    Occurrences are only created after *now*: those whose time passed while nothing ran are
    skipped, never sent in a burst. A series whose creator left the workspace stops growing
    (the posts it has stay).
    """
    series = session.get(RecurringSeries, series_id)
    if series is None or series.finished:
        return 0
    workspace = session.get(Workspace, series.workspace_id)
    assert workspace is not None
    if series.materialised_until >= now + horizon(workspace) - EXTEND_SLACK:
        return 0
    acc = _creator_access(session, series)
    if acc is None:
        logger.info("Series %s stops: its creator is no longer a member", series.id)
        series.finished = True
        session.add(series)
        session.flush()
        return 0
    return len(_materialise(session, acc, series, now=now))


def extend_series(*, session: Session, now: datetime) -> int:
    """Materialise every running series up to its workspace's horizon; return the posts created."""
    ids = running_series_ids(session=session)
    return sum(extend_one(session=session, series_id=i, now=now) for i in ids)


def _occurrence(session: Session, post_id: int) -> SeriesOccurrence:
    occurrence = session.get(SeriesOccurrence, post_id)
    if occurrence is None:
        raise Conflict("This post does not repeat.")
    return occurrence


def remaining_count(*, session: Session, acc: Access, post: Post) -> int | None:
    """For a COUNT rule, how many occurrences are left from *post* on (itself included)."""
    occurrence = _occurrence(session, post.id)
    series = session.get(RecurringSeries, occurrence.series_id)
    assert series is not None
    rule = _rule(series)
    if rule.count is None:
        return None
    tz = get_zone(acc.workspace.timezone)
    before = sum(
        1
        for _n, _at in rrules.occurrences(
            rule, series.starts_local, tz, before=occurrence.occurrence_at
        )
    )
    return max(rule.count - before, 1)


def rule_from_here(*, session: Session, acc: Access, post: Post) -> str:
    """The series' rule as it reads from *post* on: a COUNT counts only what is left."""
    series = session.get(RecurringSeries, _occurrence(session, post.id).series_id)
    assert series is not None
    remaining = remaining_count(session=session, acc=acc, post=post)
    return _rule(series).with_count(remaining).text if remaining else series.rrule


def edit_following(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    data: PostInput,
    rrule: object | None,
    now: datetime,
) -> Post:
    """Change a series from *post_id* on: it and later unsent occurrences follow the new content.

    The series is split: the old one ends before this occurrence; its later occurrences that
    have not gone out (and are not in the past) are deleted; this post is edited and starts a
    new series with *rrule* (or stands alone when *rrule* is None), materialised again.
    Occurrences already published, being published or in the past are left as they are.
    """
    post = post_service.get_post(session=session, acc=acc, post_id=post_id)
    post_service.require_edit(acc, post)
    occurrence = _occurrence(session, post.id)
    old = session.get(RecurringSeries, occurrence.series_id)
    assert old is not None
    if acc.role not in (Role.OWNER, Role.EDITOR) and old.created_by_id != acc.user.id:
        raise Forbidden("Only owners, editors and the person who set it up can change a series.")
    rule = None if rrule is None else parse_rrule(rrule)
    if rule is not None and rule.count == 1:
        rule = None  # one occurrence left: this post, standing alone
    if rule is not None and data.scheduled_at is None:
        message = "A repeating post needs a date and time."
        raise ValidationError(message, fields={"scheduled_at": message})
    cutoff = occurrence.occurrence_at
    later = session.exec(
        select(Post)
        .join(SeriesOccurrence, SeriesOccurrence.post_id == Post.id)
        .where(
            SeriesOccurrence.series_id == old.id,
            SeriesOccurrence.occurrence_at >= cutoff,
            Post.id != post.id,
        )
    ).all()
    for other in later:
        if other.status in LOCKED or (other.scheduled_at is not None and other.scheduled_at <= now):
            continue
        post_service.delete_post(session=session, acc=acc, post_id=other.id, now=now)
    old.ends_before = cutoff
    old.finished = True
    old.updated_at = now
    session.add(old)
    session.delete(occurrence)
    session.flush()
    post = post_service.update_post(session=session, acc=acc, post_id=post.id, data=data, now=now)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="series_changed",
        detail={"from_series_id": old.id, "rrule": rule.text if rule else None},
        now=now,
    )
    if rule is not None:
        start_series(session=session, acc=acc, post=post, rrule=rule.text, now=now)
    session.flush()
    return post


class _Keep(Enum):
    RULE = "keep"


# Passed as the rule of an edit: the series goes on with its own rule, counted from this post.
KEEP_RULE: Literal[_Keep.RULE] = _Keep.RULE


def save_edit(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    data: PostInput,
    following: bool,
    rrule: str | None | Literal[_Keep.RULE],
    now: datetime,
) -> Post:
    """Save an edit to one post, or to it and the rest of its series: decided here for UI and API.

    For an occurrence, *following* splits the series here and *rrule* (None: stand alone) rules
    the rest; without it only this post changes. A post that does not repeat starts a series
    when *rrule* is given.
    """
    series = series_of(session=session, post_ids=[post_id]).get(post_id)
    if series is not None and following:
        post = post_service.get_post(session=session, acc=acc, post_id=post_id)
        if rrule is KEEP_RULE:
            rrule = rule_from_here(session=session, acc=acc, post=post)
        return edit_following(
            session=session, acc=acc, post_id=post_id, data=data, rrule=rrule, now=now
        )
    post = post_service.update_post(session=session, acc=acc, post_id=post_id, data=data, now=now)
    if series is None and rrule is not None and rrule is not KEEP_RULE:
        start_series(session=session, acc=acc, post=post, rrule=rrule, now=now)
    return post


def series_json(series: RecurringSeries, tz_name: str) -> dict[str, Any]:
    return {
        "id": series.id,
        "rrule": series.rrule,
        "summary": describe(series, tz_name),
        "finished": series.finished,
    }
