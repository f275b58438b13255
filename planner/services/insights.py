"""Insights: what each category of post earned in a month or quarter, per channel and overall.

A post counts on a channel when it was published in the period (its time lies in the window,
in the workspace's zone) and that channel has at least one reading of its figures; the latest
reading of each (post, channel) counts. Overall, a post on two channels is one post whose
figures are the sum of both. The score weighs conversation and sharing above likes, with the
workspace's weights (README, "Insights").
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from planner.engagement_models import EngagementReading
from planner.models import CATEGORY_LABELS, Category, Channel, Post, PostChannel, PostStatus
from planner.services.errors import Forbidden, ValidationError
from planner.services.workspaces import Access
from planner.timeutils import get_zone, to_local, week_start, weeks_between

FIGURES = ("replies", "reposts", "quotes", "likes")
DEFAULT_WEIGHTS: dict[str, float] = {"replies": 3.0, "reposts": 2.0, "quotes": 2.0, "likes": 0.5}
MAX_WEIGHT = 100.0
SETTINGS_KEY = "engagement_weights"
# Posts in these statuses make up the planned mix (what the calendar holds for the period).
PLANNED = (
    PostStatus.DRAFT,
    PostStatus.IN_REVIEW,
    PostStatus.APPROVED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
)
TOP_POSTS = 3

# Where the median time to answer a reply comes from (the inbox); None until there is one.
ResponseTimes = Callable[[Session, int, datetime, datetime], float | None]


def weights_of(settings: Mapping[str, Any] | None) -> dict[str, float]:
    """Return the workspace's score weights, each figure falling back to its default."""
    saved = (settings or {}).get(SETTINGS_KEY) or {}
    weights = dict(DEFAULT_WEIGHTS)
    for name in FIGURES:
        value = saved.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            weights[name] = float(value)
    return weights


def set_weights(*, session: Session, acc: Access, weights: Mapping[str, Any]) -> dict[str, float]:
    """Save the workspace's score weights (owners only); each between 0 and 100."""
    if not acc.is_owner:
        raise Forbidden("Only an owner may change the score weights.")
    clean: dict[str, float] = {}
    fields: dict[str, str] = {}
    for name in FIGURES:
        value = weights.get(name, DEFAULT_WEIGHTS[name])
        try:
            number = float(value)
        except (TypeError, ValueError):
            fields[name] = "Give a number."
            continue
        if not math.isfinite(number) or not 0 <= number <= MAX_WEIGHT:
            fields[name] = f"Give a number from 0 to {MAX_WEIGHT:g}."
            continue
        clean[name] = number
    if fields:
        raise ValidationError("Check the weights listed.", fields=fields)
    workspace = acc.workspace
    workspace.settings = {**(workspace.settings or {}), SETTINGS_KEY: clean}
    session.add(workspace)
    return clean


@dataclass(frozen=True)
class Figures:
    """Counts of one category (on one channel, or overall) and their weighted score."""

    category: str
    posts: int = 0
    replies: int = 0
    reposts: int = 0
    quotes: int = 0
    likes: int = 0
    score: float = 0.0

    def each(self, name: str) -> float:
        """Return *name* (replies, score, ...) per post; 0 without posts."""
        return getattr(self, name) / self.posts if self.posts else 0.0

    @property
    def label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "posts": self.posts,
            **{name: getattr(self, name) for name in FIGURES},
            "score": round(self.score, 2),
        }


@dataclass(frozen=True)
class ChannelFigures:
    channel_id: int
    name: str
    by_category: tuple[Figures, ...]


@dataclass(frozen=True)
class TopPost:
    post_id: int
    body: str
    published_at: datetime
    replies: int
    reposts: int
    quotes: int
    likes: int
    score: float


@dataclass(frozen=True)
class Week:
    start: date
    posts: int
    score: float


@dataclass(frozen=True)
class Insights:
    start: datetime
    end: datetime
    channel_id: int | None
    weights: dict[str, float]
    by_category: tuple[Figures, ...]
    by_channel: tuple[ChannelFigures, ...]
    weeks: tuple[Week, ...]
    top_posts: dict[str, tuple[TopPost, ...]]
    planned: dict[str, int]
    response_time_median_minutes: float | None
    summary: tuple[str, ...] = field(default=())

    @property
    def measured(self) -> int:
        """How many posts have figures in the period."""
        return sum(f.posts for f in self.by_category)

    def engaged_share(self, category: str) -> float:
        """The category's part of the period's score (0 to 1)."""
        total = sum(f.score for f in self.by_category)
        mine = next((f.score for f in self.by_category if f.category == category), 0.0)
        return mine / total if total else 0.0

    def planned_share(self, category: str) -> float:
        total = sum(self.planned.values())
        return self.planned.get(category, 0) / total if total else 0.0


def _score(values: Mapping[str, int], weights: Mapping[str, float]) -> float:
    return sum(values[name] * weights[name] for name in FIGURES)


def latest_readings(
    session: Session, *, workspace_id: int, start: datetime, end: datetime, channel_id: int | None
) -> list[tuple[int, str, str, datetime, int, int, int, int, int]]:
    """(post, category, body, time, channel, replies, reposts, quotes, likes) per measured pair.

    Readings are appended as they are read, so the highest id of a pair is its latest.
    """
    latest = (
        select(func.max(EngagementReading.id).label("id"))
        .join(Post, col(Post.id) == EngagementReading.post_id)
        .where(
            Post.workspace_id == workspace_id,
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
        .group_by(col(EngagementReading.post_id), col(EngagementReading.channel_id))
    )
    if channel_id is not None:
        latest = latest.where(EngagementReading.channel_id == channel_id)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            Post.id,
            Post.category,
            Post.body,
            Post.scheduled_at,
            EngagementReading.channel_id,
            EngagementReading.replies,
            EngagementReading.reposts,
            EngagementReading.quotes,
            EngagementReading.likes,
        )
        .join(Post, col(Post.id) == EngagementReading.post_id)
        .where(col(EngagementReading.id).in_(latest.subquery().select()))
    ).all()
    return [tuple(row) for row in rows]


def insights(
    *,
    session: Session,
    workspace_id: int,
    settings: Mapping[str, Any] | None,
    timezone: str,
    start: datetime,
    end: datetime,
    channel_id: int | None = None,
    response_times: ResponseTimes | None = None,
) -> Insights:
    """Compute the period's figures; *response_times* gives the median reply time, if known."""
    weights = weights_of(settings)
    tz = get_zone(timezone)
    rows = latest_readings(
        session, workspace_id=workspace_id, start=start, end=end, channel_id=channel_id
    )
    zero = dict.fromkeys(FIGURES, 0)
    per_post: dict[int, dict[str, int]] = defaultdict(lambda: dict(zero))
    posts: dict[int, tuple[str, str, datetime]] = {}
    per_channel: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for post_id, category, body, at, ch, replies, reposts, quotes, likes in rows:
        values = dict(replies=replies, reposts=reposts, quotes=quotes, likes=likes)
        posts[post_id] = (category, body, at)
        total = per_post[post_id]
        for name in FIGURES:
            total[name] += values[name]
        cell = per_channel[ch].setdefault(category, dict(zero, posts=0))
        cell["posts"] += 1
        for name in FIGURES:
            cell[name] += values[name]
    overall: dict[str, dict[str, int]] = {}
    for post_id, values in per_post.items():
        cell = overall.setdefault(posts[post_id][0], dict(zero, posts=0))
        cell["posts"] += 1
        for name in FIGURES:
            cell[name] += values[name]
    by_category = _rows(overall, weights)
    names = dict(
        session.exec(
            select(Channel.id, Channel.name).where(col(Channel.id).in_(list(per_channel)))
        ).all()
    )
    by_channel = tuple(
        ChannelFigures(cid, names.get(cid, f"Channel {cid}"), _rows(cells, weights))
        for cid, cells in sorted(per_channel.items(), key=lambda kv: (names.get(kv[0], ""), kv[0]))
    )
    by_week: dict[date, list[int]] = defaultdict(list)
    for post_id, (_category, _body, at) in posts.items():
        by_week[week_start(to_local(at, tz).date())].append(post_id)
    weeks = [
        Week(
            start=lo.date(),
            posts=len(by_week[lo.date()]),
            score=sum(_score(per_post[p], weights) for p in by_week[lo.date()]),
        )
        for lo, _hi in weeks_between(start, end, tz)
    ]
    top: dict[str, list[TopPost]] = defaultdict(list)
    for post_id, values in per_post.items():
        category, body, at = posts[post_id]
        top[category].append(TopPost(post_id, body, at, **values, score=_score(values, weights)))
    top_posts = {
        c: tuple(sorted(items, key=lambda t: (-t.score, t.post_id))[:TOP_POSTS])
        for c, items in top.items()
    }
    planned = _planned(session, workspace_id, start, end, channel_id)
    median = response_times(session, workspace_id, start, end) if response_times else None
    return Insights(
        start=start,
        end=end,
        channel_id=channel_id,
        weights=weights,
        by_category=by_category,
        by_channel=by_channel,
        weeks=tuple(weeks),
        top_posts=top_posts,
        planned=planned,
        response_time_median_minutes=median,
        summary=summary(by_category),
    )


def _rows(
    cells: Mapping[str, Mapping[str, int]], weights: Mapping[str, float]
) -> tuple[Figures, ...]:
    """One row per category, every category listed (in the fixed order), then any other."""
    order = [c.value for c in Category] + sorted(set(cells) - {c.value for c in Category})
    rows = []
    for category in order:
        cell = cells.get(category)
        if cell is None:
            rows.append(Figures(category))
            continue
        rows.append(
            Figures(
                category,
                posts=cell["posts"],
                **{name: cell[name] for name in FIGURES},
                score=_score(cell, weights),
            )
        )
    return tuple(rows)


def _planned(
    session: Session, workspace_id: int, start: datetime, end: datetime, channel_id: int | None
) -> dict[str, int]:
    """How many posts of each category the calendar holds for the period."""
    stmt = (
        select(Post.category, func.count())
        .where(
            Post.workspace_id == workspace_id,
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
            col(Post.status).in_([s.value for s in PLANNED]),
        )
        .group_by(col(Post.category))
    )
    if channel_id is not None:
        stmt = stmt.where(
            col(Post.id).in_(
                select(PostChannel.post_id).where(PostChannel.channel_id == channel_id)
            )
        )
    return {category: count for category, count in session.exec(stmt).all()}


def summary(by_category: tuple[Figures, ...]) -> tuple[str, ...]:
    """Plain sentences: replies each category drew per post, and which engaged most."""
    measured = [f for f in by_category if f.posts]
    if not measured:
        return (
            "No figures for this period yet: they are read from an hour after a post is "
            "published on Mastodon or Bluesky.",
        )
    ranked = sorted(measured, key=lambda f: (-f.each("replies"), f.category))
    first, *rest = ranked
    sentence = f"Your {first.category} posts drew {first.each('replies'):.1f} replies each"
    if rest:
        others = ", ".join(f"your {f.category} posts {f.each('replies'):.1f}" for f in rest)
        sentence += f", {others}"
    lines = [sentence + "."]
    shared = sorted(measured, key=lambda f: (-(f.each("reposts") + f.each("quotes")), f.category))
    best = shared[0]
    if best.reposts + best.quotes:
        lines.append(
            f"{best.label} posts were shared most: {best.each('reposts'):.1f} reposts and "
            f"{best.each('quotes'):.1f} quotes each."
        )
    top = max(measured, key=lambda f: (f.each("score"), f.category))
    lines.append(f"By score, {top.category} posts did best ({top.each('score'):.1f} per post).")
    return tuple(lines)


def latest_measured(*, session: Session, workspace_id: int, before: datetime) -> datetime | None:
    """Return the time of the latest post before *before* that has figures, if any."""
    return session.exec(
        select(func.max(Post.scheduled_at))
        .join(EngagementReading, col(EngagementReading.post_id) == Post.id)
        .where(Post.workspace_id == workspace_id, col(Post.scheduled_at) < before)
    ).one()
