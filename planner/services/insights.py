"""Insights: what each category of post earned in a month or quarter, per channel and overall.

A post counts on a channel when it was published in the period (its time lies in the window,
in the workspace's zone) and that channel has at least one reading of its figures; the latest
reading of each (post, channel) counts. Overall, a post on two channels is one post whose
figures are the sum of both. The score weighs conversation and sharing above likes, with the
workspace's weights (README, "Insights").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case
from sqlmodel import Session, col, func, select

from planner.engagement_models import EngagementReading
from planner.models import CATEGORY_LABELS, Category, Channel, Post, PostChannel, PostStatus
from planner.services.insights_weights import DEFAULT_WEIGHTS as DEFAULT_WEIGHTS
from planner.services.insights_weights import FIGURES as FIGURES
from planner.services.insights_weights import set_weights as set_weights
from planner.services.insights_weights import weights_of
from planner.services.insights_words import summary
from planner.timeutils import as_utc, get_zone, weeks_between

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


def _score(values: Sequence[int], weights: Sequence[float]) -> float:
    """The weighted score of (replies, reposts, quotes, likes)."""
    return (
        values[0] * weights[0]
        + values[1] * weights[1]
        + values[2] * weights[2]
        + values[3] * weights[3]
    )


def _measured(
    workspace_id: int, start: datetime, end: datetime, channel_id: int | None, *columns: Any
) -> Any:
    """A select of *columns* over the latest reading of each (post, channel) of the posts
    published in [start, end); the caller groups it."""
    stmt = (
        select(*columns)
        .select_from(Post)
        .join(
            EngagementReading,
            and_(
                col(EngagementReading.post_id) == Post.id,
                # "= true", as the partial index ix_engagementreading_latest says it.
                col(EngagementReading.latest) == True,  # noqa: E712
            ),
        )
        .where(
            Post.workspace_id == workspace_id,
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
    )
    if channel_id is not None:
        stmt = stmt.where(EngagementReading.channel_id == channel_id)
    return stmt


def _sums() -> tuple[Any, ...]:
    r = EngagementReading
    return tuple(func.sum(getattr(r, name)) for name in FIGURES)


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
    """Compute the period's figures; *response_times* gives the median reply time, if known.

    The database adds the figures up (a year holds ten thousand pairs, read per page view);
    the score is a weighted sum, so it is worked out from the totals.
    """
    weights = weights_of(settings)
    w = tuple(weights[name] for name in FIGURES)
    tz = get_zone(timezone)
    db = session.connection()
    scope = (workspace_id, start, end, channel_id)
    category, channel = col(Post.category), col(EngagementReading.channel_id)
    per_channel: dict[int, dict[str, list[int]]] = defaultdict(dict)
    rows = db.execute(
        _measured(*scope, channel, category, func.count(), *_sums()).group_by(channel, category)
    )
    for ch, cat, posts, *figures in rows:
        per_channel[ch][cat] = [posts, *figures]
    overall = {
        cat: [posts, *figures]
        for cat, posts, *figures in db.execute(
            _measured(*scope, category, func.count(func.distinct(Post.id)), *_sums()).group_by(
                category
            )
        )
    }
    by_category = _rows(overall, w)
    names = dict(
        session.exec(
            select(Channel.id, Channel.name).where(col(Channel.id).in_(list(per_channel)))
        ).all()
    )
    by_channel = tuple(
        ChannelFigures(cid, names.get(cid, f"Channel {cid}"), _rows(cells, w))
        for cid, cells in sorted(per_channel.items(), key=lambda kv: (names.get(kv[0], ""), kv[0]))
    )
    windows = list(weeks_between(start, end, tz))
    # The database places each post in its week: no datetime is made per post.
    week = case(
        *((col(Post.scheduled_at) < as_utc(lo), i - 1) for i, (lo, _hi) in enumerate(windows)),
        else_=len(windows) - 1,
    )
    in_week = {
        index: (posts, _score(figures, w))
        for index, posts, *figures in db.execute(
            _measured(*scope, week, func.count(func.distinct(Post.id)), *_sums()).group_by(week)
        )
    }
    weeks = [
        Week(start=lo.date(), posts=in_week.get(i, (0, 0.0))[0], score=in_week.get(i, (0, 0.0))[1])
        for i, (lo, _hi) in enumerate(windows)
    ]
    return Insights(
        start=start,
        end=end,
        channel_id=channel_id,
        weights=weights,
        by_category=by_category,
        by_channel=by_channel,
        weeks=tuple(weeks),
        top_posts=_top_posts(session, scope, w),
        planned=_planned(session, workspace_id, start, end, channel_id),
        response_time_median_minutes=(
            response_times(session, workspace_id, start, end) if response_times else None
        ),
        summary=summary(by_category),
    )


def _top_posts(
    session: Session, scope: tuple[int, datetime, datetime, int | None], w: Sequence[float]
) -> dict[str, tuple[TopPost, ...]]:
    """The best-scoring posts of each category (figures of all their channels), with their text."""
    sums = _sums()
    score = sums[0] * w[0] + sums[1] * w[1] + sums[2] * w[2] + sums[3] * w[3]
    rank = func.row_number().over(
        partition_by=col(Post.category), order_by=(score.desc(), col(Post.id))
    )
    ranked = (
        _measured(*scope, col(Post.id).label("post_id"), *sums, rank.label("rank"))
        .group_by(col(Post.id), col(Post.category))
        .subquery()
    )
    best = session.connection().execute(
        select(
            ranked.c.post_id,
            Post.category,
            Post.body,
            Post.scheduled_at,
            *list(ranked.c)[1:5],
        )
        .join(Post, col(Post.id) == ranked.c.post_id)
        .where(ranked.c["rank"] <= TOP_POSTS)
        .order_by(ranked.c["rank"])
    )
    top: dict[str, list[TopPost]] = defaultdict(list)
    for post_id, category, body, at, *figures in best:
        top[category].append(TopPost(post_id, body, at, *figures, score=_score(figures, w)))
    return {category: tuple(items) for category, items in top.items()}


def _rows(cells: Mapping[str, Sequence[int]], weights: Sequence[float]) -> tuple[Figures, ...]:
    """One row per category, every category listed (in the fixed order), then any other."""
    order = [c.value for c in Category] + sorted(set(cells) - {c.value for c in Category})
    rows = []
    for category in order:
        cell = cells.get(category)
        if cell is None:
            rows.append(Figures(category))
            continue
        posts, replies, reposts, quotes, likes = cell
        rows.append(
            Figures(
                category,
                posts=posts,
                replies=replies,
                reposts=reposts,
                quotes=quotes,
                likes=likes,
                score=_score(cell[1:], weights),
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


def latest_measured(*, session: Session, workspace_id: int, before: datetime) -> datetime | None:
    """Return the time of the latest post before *before* that has figures, if any."""
    return session.exec(
        select(func.max(Post.scheduled_at))
        .join(EngagementReading, col(EngagementReading.post_id) == Post.id)
        .where(Post.workspace_id == workspace_id, col(Post.scheduled_at) < before)
    ).one()


def measured_posts(*, session: Session, workspace_id: int, start: datetime, end: datetime) -> int:
    """How many posts of [start, end) have figures."""
    return session.exec(
        select(func.count(func.distinct(Post.id)))
        .join(EngagementReading, col(EngagementReading.post_id) == Post.id)
        .where(
            Post.workspace_id == workspace_id,
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
    ).one()
