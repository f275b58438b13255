"""The posts a guardrail question reads: a span's counted posts, and the streaks past its edges.

Each read is one indexed query (or a page of 20 while following a streak), so a what-if reads
a few calendar windows rather than the workspace's history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import takewhile

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from planner.guardrails import COUNTED_STATUSES, Policy, PostSnapshot
from planner.models import Post, PostChannel

RUN_PAGE = 20  # posts read at a time while following a streak past the loaded span


def snapshot_of(session: Session, post: Post, *, status: str | None = None) -> PostSnapshot:
    """*post* as the rules see it, in its own status or the one given (an approval's)."""
    ids = session.exec(select(PostChannel.channel_id).where(PostChannel.post_id == post.id))
    return PostSnapshot(
        id=post.id,
        category=post.category,
        scheduled_at=post.scheduled_at,
        status=status or post.status,
        channel_ids=tuple(ids),
    )


def snapshots(
    session: Session, workspace_id: int, start: datetime, end: datetime
) -> list[PostSnapshot]:
    """Counted posts scheduled in [start, end) as snapshots, in one indexed query."""
    # One joined query run at the Core level: ORM row handling costs more than the SQL here.
    stmt = (
        select(Post.id, Post.category, Post.scheduled_at, Post.status, PostChannel.channel_id)
        .outerjoin(PostChannel, PostChannel.post_id == Post.id)
        .where(
            Post.workspace_id == workspace_id,
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
            col(Post.status).in_(sorted(COUNTED_STATUSES)),
        )
    )
    posts: dict[int, tuple[str, datetime, str]] = {}
    targets: dict[int, list[int]] = defaultdict(list)
    for pid, category, at, status, cid in session.connection().execute(stmt):
        posts[pid] = (category, at, status)
        if cid is not None:
            targets[pid].append(cid)
    return [
        PostSnapshot(
            id=pid,
            category=cat,
            scheduled_at=at,
            status=status,
            channel_ids=tuple(targets.get(pid, ())),
        )
        for pid, (cat, at, status) in posts.items()
    ]


def streak_context(
    session: Session,
    workspace_id: int,
    policy: Policy,
    span: tuple[datetime, datetime],
    load: tuple[datetime, datetime],
    *post_sets: Sequence[PostSnapshot],
    policies: Mapping[int, Policy] | None = None,
) -> list[PostSnapshot]:
    """The counted posts just outside the *load* span that continue a streak across its edges.

    Share and gap rules ignore posts outside their windows, so adding these changes only what
    the streak rule sees: each run whole, with its true length (people count a run's posts).
    A channel's edge is followed only when the run at that edge reaches into the evaluated
    *span* and its category has a streak limit. Given several sets (a what-if's before and
    after), only edges whose run differs between them are followed: an identical run gives
    identical warnings on both sides, which a comparison drops anyway. A channel in *policies*
    has its streak limits from there, the others from *policy*.
    """
    own = policies or {}
    if not policy.streak and not any(p.streak for p in own.values()):
        return []
    start, end = span
    runs: defaultdict[tuple[int | None, bool], set[tuple[str, tuple[int, ...]] | None]]
    runs = defaultdict(set)
    seen_in: list[set[tuple[int | None, bool]]] = []
    for posts in post_sets:
        lines: defaultdict[int | None, list[tuple[datetime, int, str]]] = defaultdict(list)
        for p in posts:
            if p.counts and p.scheduled_at is not None:
                for channel_id in p.channel_ids or (None,):
                    lines[channel_id].append((p.scheduled_at, p.id, p.category))
        seen: set[tuple[int | None, bool]] = set()
        for channel_id, line in lines.items():
            line.sort()
            limits = policy.streak if channel_id is None else own.get(channel_id, policy).streak
            for backwards, ordered in ((True, line), (False, line[::-1])):
                category = ordered[0][2]
                if category not in limits:
                    continue
                run = list(takewhile(lambda item, c=category: item[2] == c, ordered))
                times = [item[0] for item in run]
                if min(times) < end and max(times) >= start:
                    runs[(channel_id, backwards)].add((category, tuple(i[1] for i in run)))
                    seen.add((channel_id, backwards))
        seen_in.append(seen)
    for seen in seen_in:
        for key in runs.keys() - seen:
            runs[key].add(None)  # a set without this run: the sets differ at this edge
    extra: list[PostSnapshot] = []
    lo, hi = load
    for (channel_id, backwards), found in sorted(runs.items(), key=repr):
        if len(post_sets) > 1 and len(found) == 1:
            continue
        for category in sorted({f[0] for f in found if f is not None}):
            edge = lo if backwards else hi
            extra += _run_beyond(session, workspace_id, channel_id, category, edge, backwards)
    return extra


def _run_beyond(
    session: Session,
    workspace_id: int,
    channel_id: int | None,
    category: str,
    edge: datetime,
    backwards: bool,
) -> list[PostSnapshot]:
    """Posts of *category* in a row on one channel, going back from (or on from) *edge*."""
    found: list[PostSnapshot] = []
    cursor: tuple[datetime, int] | None = None
    while True:
        stmt = select(Post.id, Post.category, Post.scheduled_at, Post.status).where(
            Post.workspace_id == workspace_id, col(Post.status).in_(sorted(COUNTED_STATUSES))
        )
        if channel_id is None:
            stmt = stmt.where(~exists().where(PostChannel.post_id == Post.id))
        else:
            stmt = stmt.join(PostChannel, col(PostChannel.post_id) == Post.id).where(
                PostChannel.channel_id == channel_id
            )
        at, pid = col(Post.scheduled_at), col(Post.id)
        if backwards:
            stmt = stmt.where(at < edge).order_by(at.desc(), pid.desc())
            if cursor:
                stmt = stmt.where(or_(at < cursor[0], and_(at == cursor[0], pid < cursor[1])))
        else:
            stmt = stmt.where(at >= edge).order_by(at, pid)
            if cursor:
                stmt = stmt.where(or_(at > cursor[0], and_(at == cursor[0], pid > cursor[1])))
        rows = session.exec(stmt.limit(RUN_PAGE)).all()
        for row_id, row_category, row_at, row_status in rows:
            if row_category != category:
                return found
            found.append(
                PostSnapshot(
                    id=row_id,
                    category=row_category,
                    scheduled_at=row_at,
                    status=row_status,
                    channel_ids=() if channel_id is None else (channel_id,),
                )
            )
            cursor = (row_at, row_id)
        if len(rows) < RUN_PAGE:
            return found
