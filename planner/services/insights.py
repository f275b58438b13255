"""Insights: what each category of post earned in a month or quarter, per channel and overall.

A post counts on a channel when it was published in the period (its time lies in the window,
in the workspace's zone) and that channel has at least one reading of its figures; the latest
reading of each (post, channel) counts. Overall, a post on two channels is one post whose
figures are the sum of both. The score weighs conversation and sharing above likes, with the
workspace's weights (README, "Insights").
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_
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
    windows = list(weeks_between(start, end, tz))
    overall, weeks, top_posts = _per_post(session, scope, w, windows)
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
    return Insights(
        start=start,
        end=end,
        channel_id=channel_id,
        weights=weights,
        by_category=by_category,
        by_channel=by_channel,
        weeks=weeks,
        top_posts=top_posts,
        planned=_planned(session, workspace_id, start, end, channel_id),
        response_time_median_minutes=(
            response_times(session, workspace_id, start, end) if response_times else None
        ),
        summary=summary(by_category),
    )


def _per_post(
    session: Session,
    scope: tuple[int, datetime, datetime, int | None],
    w: Sequence[float],
    windows: Sequence[tuple[datetime, datetime]],
) -> tuple[dict[str, list[int]], tuple[Week, ...], dict[str, tuple[TopPost, ...]]]:
    """Each category's figures, each week's, and the best posts, from one row per post.

    A post on several channels is one row with their figures summed, so counting rows counts
    posts; its time comes as seconds since the epoch (no datetime made per post) and finds its
    week by bisection.
    """
    when = func.extract("epoch", col(Post.scheduled_at))
    rows = session.connection().execute(
        # Grouped by the primary key alone: the post's other columns depend on it (PostgreSQL
        # accepts that; a shorter key sorts faster).
        _measured(*scope, col(Post.id), col(Post.category), when, *_sums()).group_by(col(Post.id))
    )
    starts = [as_utc(lo).timestamp() for lo, _hi in windows]
    week_posts = [0] * len(starts)
    week_scores = [0.0] * len(starts)
    overall: dict[str, list[int]] = {}
    scored: dict[str, list[tuple[float, int]]] = defaultdict(list)  # (-score, post id)
    w0, w1, w2, w3 = w
    for post_id, category, epoch, replies, reposts, quotes, likes in rows:
        figures = (replies or 0, reposts or 0, quotes or 0, likes or 0)
        cell = overall.get(category)
        if cell is None:
            overall[category] = [1, *figures]
        else:
            cell[0] += 1
            cell[1] += figures[0]
            cell[2] += figures[1]
            cell[3] += figures[2]
            cell[4] += figures[3]
        score = figures[0] * w0 + figures[1] * w1 + figures[2] * w2 + figures[3] * w3
        index = max(bisect_right(starts, epoch) - 1, 0)  # the last week that began by then
        week_posts[index] += 1
        week_scores[index] += score
        scored[category].append((-score, post_id))
    weeks = tuple(
        Week(start=lo.date(), posts=week_posts[i], score=week_scores[i])
        for i, (lo, _hi) in enumerate(windows)
    )
    return overall, weeks, _top_posts(session, scope, scored, w)


def _top_posts(
    session: Session,
    scope: tuple[int, datetime, datetime, int | None],
    scored: Mapping[str, list[tuple[float, int]]],
    w: Sequence[float],
) -> dict[str, tuple[TopPost, ...]]:
    """The best-scoring posts of each category (ties: the older post), with their text.

    *scored* holds (-score, post id) per category, so the smallest are the best.
    """
    best = {category: heapq.nsmallest(TOP_POSTS, items) for category, items in scored.items()}
    ids = [post_id for items in best.values() for _value, post_id in items]
    if not ids:
        return {}
    found = {
        post_id: (body, at, figures)
        for post_id, body, at, *figures in session.connection().execute(
            _measured(*scope, col(Post.id), col(Post.body), col(Post.scheduled_at), *_sums())
            .where(col(Post.id).in_(ids))
            .group_by(col(Post.id), col(Post.body), col(Post.scheduled_at))
        )
    }
    top: dict[str, tuple[TopPost, ...]] = {}
    for category, items in best.items():
        posts = []
        for _value, post_id in items:
            body, at, figures = found[post_id]
            figures = [value or 0 for value in figures]
            posts.append(TopPost(post_id, body, as_utc(at), *figures, score=_score(figures, w)))
        top[category] = tuple(posts)
    return top


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
