"""Calendar views: posts grouped by local day, week and month, with each week's category mix."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from planner.guardrails import GuardrailWarning, load_span
from planner.models import Category, Channel, Post, Workspace
from planner.services import channels as channel_service
from planner.services import guardrail_checks
from planner.services.media import media_ids_for_posts
from planner.services.post_lists import PostRow, list_post_rows
from planner.services.posts import PostFilters, channel_ids_for
from planner.timeutils import (
    day_window,
    get_zone,
    month_grid,
    month_window,
    next_month,
    to_local,
    week_start,
)

CATEGORY_ORDER = [c.value for c in Category]
GRID_LIMIT = 5000  # posts one grid shows at most


@dataclass
class CalendarPost:
    """A post as the calendar shows it: its local time and channel names resolved once."""

    post: Post | PostRow
    local: datetime
    channel_ids: list[int]
    channel_names: list[str]
    media_ids: list[int] = field(default_factory=list)  # the post's images, in order

    # Joined here, not in the template: the month view renders hundreds of these.
    @cached_property
    def hm(self) -> str:
        local = self.local
        return f"{local.hour:02d}:{local.minute:02d}"

    @property
    def channel_ids_json(self) -> str:
        return "[" + ",".join(str(i) for i in self.channel_ids) + "]"

    @property
    def channel_list(self) -> str:
        return ", ".join(self.channel_names)


@dataclass
class WeekRow:
    start: date
    days: list[date]
    posts_by_day: dict[date, list[CalendarPost]]
    mix: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.mix.values())

    def shares(self) -> list[tuple[str, int, float]]:
        """Return (category, count, share 0..1) in a fixed order, for the mix bar."""
        total = self.total
        return [(c, self.mix[c], (self.mix[c] / total) if total else 0.0) for c in CATEGORY_ORDER]


@dataclass
class CalendarRange:
    """Posts of a date range in the workspace zone, grouped for rendering."""

    first: date
    start: datetime
    end: datetime
    weeks: list[WeekRow]
    posts: list[CalendarPost]
    channels: list[Channel]
    unfiltered: bool = False  # every post of [start, end) is in ``posts``

    @property
    def mix(self) -> Counter:
        return Counter(cp.post.category for cp in self.posts)


def load_range(
    *,
    session: Session,
    workspace_id: int,
    tz: ZoneInfo,
    days: list[list[date]],
    first: date,
    extra: PostFilters | None = None,
) -> CalendarRange:
    """Load the posts shown on a grid of weeks in two queries and group them by local day."""
    start = day_window(days[0][0], tz)[0]
    end = day_window(days[-1][-1], tz)[1]
    base = extra or PostFilters()
    filters = PostFilters(
        start=start,
        end=end,
        status=base.status,
        category=base.category,
        channel_id=base.channel_id,
        text=base.text,
        limit=GRID_LIMIT,
    )
    posts = list_post_rows(session=session, workspace_id=workspace_id, filters=filters)
    chans = channel_service.list_channels(session=session, workspace_id=workspace_id)
    names = {c.id: c.name for c in chans}
    post_ids = [p.id for p in posts]
    targets = channel_ids_for(session=session, post_ids=post_ids)
    images = media_ids_for_posts(session=session, post_ids=post_ids)
    by_day: dict[date, list[CalendarPost]] = defaultdict(list)
    items = []
    for p in posts:
        local = to_local(p.scheduled_at, tz)
        ids = targets.get(p.id, [])
        cp = CalendarPost(
            post=p,
            local=local,
            channel_ids=ids,
            channel_names=[names[i] for i in ids if i in names],
            media_ids=images.get(p.id, []),
        )
        by_day[local.date()].append(cp)
        items.append(cp)
    weeks = []
    for week in days:
        row = WeekRow(start=week[0], days=week, posts_by_day={d: by_day.get(d, []) for d in week})
        for d in week:
            row.mix.update(cp.post.category for cp in by_day.get(d, []))
        weeks.append(row)
    return CalendarRange(
        first=first,
        start=start,
        end=end,
        weeks=weeks,
        posts=items,
        channels=chans,
        unfiltered=extra is None and len(posts) < GRID_LIMIT,
    )


def month(
    *,
    session: Session,
    workspace_id: int,
    tz: ZoneInfo,
    first: date,
    extra: PostFilters | None = None,
) -> CalendarRange:
    """The month grid (Monday-first weeks) holding *first*."""
    return load_range(
        session=session,
        workspace_id=workspace_id,
        tz=tz,
        days=month_grid(first),
        first=first.replace(day=1),
        extra=extra,
    )


def week(
    *,
    session: Session,
    workspace_id: int,
    tz: ZoneInfo,
    day: date,
    extra: PostFilters | None = None,
) -> CalendarRange:
    monday = week_start(day)
    return load_range(
        session=session,
        workspace_id=workspace_id,
        tz=tz,
        days=[[monday + timedelta(days=i) for i in range(7)]],
        first=monday,
        extra=extra,
    )


def month_bounds(first: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instant range of the calendar month (not the grid) holding *first*."""
    return month_window(first, tz)


__all__ = [
    "CalendarPost",
    "CalendarRange",
    "WeekRow",
    "load_range",
    "month",
    "week",
    "month_bounds",
    "next_month",
]


@dataclass
class WarningMarks:
    """Which days, weeks and posts of a calendar range have guardrail warnings, for marking them."""

    days: dict[date, int]
    weeks: dict[date, int]
    posts: dict[int, list[str]]
    post_labels: dict[int, str]


def _label(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def warning_marks(
    view: CalendarRange,
    warnings: list[GuardrailWarning],
    outside: Mapping[int, datetime] | None = None,
) -> WarningMarks:
    """Count warnings per local day and per week row of *view*, and list each post's messages.

    *outside* gives the local times of posts a warning names beyond the grid (the start of a
    streak last month, say), so the panel can link them too.
    """
    day_of = {cp.post.id: cp.local.date() for cp in view.posts}
    # Labels only for the posts a warning names: the panel links those, and no others.
    named = {pid for w in warnings for pid in w.post_ids}
    labels = {pid: _label(local) for pid, local in (outside or {}).items() if pid in named}
    labels.update({cp.post.id: _label(cp.local) for cp in view.posts if cp.post.id in named})
    week_of = {d: week.start for week in view.weeks for d in week.days}
    days: Counter = Counter()
    weeks: Counter = Counter()
    posts: dict[int, list[str]] = defaultdict(list)
    for w in warnings:
        touched_days = {day_of[pid] for pid in w.post_ids if pid in day_of}
        touched_weeks = {week_of[d] for d in touched_days if d in week_of}
        if w.rule in ("max_share", "min_share") and (w.window_end - w.window_start).days <= 7:
            monday = w.window_start.date()
            if monday in week_of:
                touched_weeks.add(monday)
        for d in touched_days:
            days[d] += 1
        for wk in touched_weeks:
            weeks[wk] += 1
        for pid in w.post_ids:
            posts[pid].append(w.message)
    return WarningMarks(days=dict(days), weeks=dict(weeks), posts=dict(posts), post_labels=labels)


def posts_beyond(
    *,
    session: Session,
    workspace_id: int,
    view: CalendarRange,
    warnings: list[GuardrailWarning],
    tz: ZoneInfo,
) -> dict[int, datetime]:
    """Local times of the posts the warnings name that the grid does not show."""
    shown = {cp.post.id for cp in view.posts}
    wanted = {pid for w in warnings for pid in w.post_ids if pid > 0} - shown
    if not wanted:
        return {}
    rows = session.exec(
        select(Post.id, Post.scheduled_at).where(
            Post.workspace_id == workspace_id, col(Post.id).in_(sorted(wanted))
        )
    )
    return {pid: to_local(at, tz) for pid, at in rows if at is not None}


def month_warnings(
    *, session: Session, workspace: Workspace, view: CalendarRange, now: datetime
) -> list[GuardrailWarning]:
    """The month's warnings, from the posts the grid already loaded when they cover the span."""
    tz = get_zone(workspace.timezone)
    start, end = month_bounds(view.first, tz)
    lo, hi = load_span(tz, start, end)
    have = view.unfiltered and view.start <= lo and hi <= view.end
    return guardrail_checks.evaluate_range(
        session=session,
        workspace=workspace,
        start=start,
        end=end,
        now=now,
        loaded=[cp.post for cp in view.posts] if have else None,
        targets={cp.post.id: cp.channel_ids for cp in view.posts} if have else None,
    ).warnings
