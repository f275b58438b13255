"""Guardrails against the database: load just the windows a question needs and ask the engine.

The engine is pure; this module turns posts into snapshots, picks the span to load (whole weeks
and months around what is asked, so a what-if reads a few windows, not the history), and maps
findings back to posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import Any

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from planner.guardrails import (
    COUNTED_STATUSES,
    DEFAULT_POLICY,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    affected_span,
    evaluate,
    load_span,
    mix,
    preview,
    warnings_for_post,
)
from planner.models import Channel, Post, PostChannel, Workspace
from planner.services import audit
from planner.services.workspaces import Access, require_owner
from planner.timeutils import get_zone


def workspace_policy(workspace: Workspace) -> Policy:
    """The workspace's policy, or the 80/20 default when it never chose one."""
    return Policy.from_dict(workspace.policy) if workspace.policy else DEFAULT_POLICY


def _channels(session: Session, workspace_id: int) -> dict[int, str]:
    return dict(
        session.exec(
            select(Channel.id, Channel.name).where(Channel.workspace_id == workspace_id)
        ).all()
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


RUN_PAGE = 20  # posts read at a time while following a streak past the loaded span


def streak_context(
    session: Session,
    workspace_id: int,
    policy: Policy,
    span: tuple[datetime, datetime],
    load: tuple[datetime, datetime],
    *post_sets: Sequence[PostSnapshot],
) -> list[PostSnapshot]:
    """The counted posts just outside the *load* span that continue a streak across its edges.

    Share and gap rules ignore posts outside their windows, so adding these changes only what
    the streak rule sees: each run whole, with its true length (people count a run's posts).
    A channel's edge is followed only when the run at that edge reaches into the evaluated
    *span* and its category has a streak limit. Given several sets (a what-if's before and
    after), only edges whose run differs between them are followed: an identical run gives
    identical warnings on both sides, which a comparison drops anyway.
    """
    if not policy.streak:
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
            for backwards, ordered in ((True, line), (False, line[::-1])):
                category = ordered[0][2]
                if category not in policy.streak:
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


@dataclass(frozen=True)
class Evaluation:
    """Warnings and the category mix of a range, with the channel names used in messages."""

    warnings: list[GuardrailWarning]
    mix: list[dict[str, Any]]
    channel_names: dict[int, str]


def evaluate_range(
    *,
    session: Session,
    workspace: Workspace,
    start: datetime,
    end: datetime,
    now: datetime,
    policy: Policy | None = None,
    with_mix: bool = False,
    load: tuple[datetime, datetime] | None = None,
    loaded: Sequence[Post] | None = None,
    targets: Mapping[int, Sequence[int]] | None = None,
) -> Evaluation:
    """Every warning for [start, end) under the workspace's policy (or *policy*, for a preview).

    *load* narrows the posts read (default: whole windows, ``load_span``) for a caller that
    keeps only the warnings of windows wholly inside it. A caller that already holds every post
    of that span (the month view) passes them as *loaded*, with their channel ids in *targets*.
    """
    tz = get_zone(workspace.timezone)
    lo, hi = load or load_span(tz, start, end)
    if loaded is None:
        posts = snapshots(session, workspace.id, lo, hi)
    else:
        posts = [
            PostSnapshot(
                id=p.id,
                category=p.category,
                scheduled_at=p.scheduled_at,
                status=p.status,
                channel_ids=tuple((targets or {}).get(p.id, ())),
            )
            for p in loaded
            if p.status in COUNTED_STATUSES and p.scheduled_at and lo <= p.scheduled_at < hi
        ]
    names = _channels(session, workspace.id)
    policy = policy or workspace_policy(workspace)
    context = streak_context(session, workspace.id, policy, (start, end), (lo, hi), posts)
    warnings = evaluate(
        posts + context,
        policy,
        tz,
        now=now,
        start=start,
        end=end,
        channels=names.keys(),
        channel_names=names,
    )
    return Evaluation(
        warnings=warnings,
        mix=mix(posts, tz, start=start, end=end) if with_mix else [],
        channel_names=names,
    )


def warnings_by_post(
    *, session: Session, workspace: Workspace, posts: Sequence[Post], now: datetime
) -> dict[int, list[dict[str, Any]]]:
    """Map each scheduled post to the current warnings whose posts include it."""
    times = [p.scheduled_at for p in posts if p.scheduled_at is not None]
    if not times:
        return {}
    tz = get_zone(workspace.timezone)
    start, end = affected_span(tz, min(times), max(times))
    # Every week and month holding one of the posts lies wholly inside [start, end), so only
    # those posts are read; windows cut at its edges hold none of the posts and are dropped.
    found = evaluate_range(
        session=session, workspace=workspace, start=start, end=end, now=now, load=(start, end)
    ).warnings
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    wanted = {p.id for p in posts}
    for warning in found:
        for pid in warning.post_ids:
            if pid in wanted:
                result[pid].append(warning.to_dict())
    return result


@dataclass(frozen=True)
class Change:
    """A what-if: a new post (post_id None) or an edit or move of an existing one."""

    category: str
    scheduled_at: datetime | None
    channel_ids: tuple[int, ...]
    post_id: int | None = None


PREVIEW_ID = -1  # the id a not-yet-saved post carries in a what-if


def preview_change(
    *, session: Session, workspace: Workspace, change: Change, now: datetime
) -> tuple[list[GuardrailWarning], list[GuardrailWarning]]:
    """Return (added, removed): the warnings saving *change* would create and clear.

    Only the week and month windows around the old and new times are loaded and evaluated.
    """
    tz = get_zone(workspace.timezone)
    old: PostSnapshot | None = None
    if change.post_id is not None:
        post = session.get(Post, change.post_id)
        if post is None or post.workspace_id != workspace.id:
            raise LookupError("no such post in this workspace")
        ids = tuple(
            sorted(
                session.exec(select(PostChannel.channel_id).where(PostChannel.post_id == post.id))
            )
        )
        old = PostSnapshot(
            id=post.id,
            category=post.category,
            scheduled_at=post.scheduled_at,
            status=post.status,
            channel_ids=ids,
        )
    instants = [
        t for t in (old.scheduled_at if old else None, change.scheduled_at) if t is not None
    ]
    if not instants:
        return [], []
    start, end = affected_span(tz, *instants)
    lo, hi = load_span(tz, start, end)
    before = [s for s in snapshots(session, workspace.id, lo, hi) if old is None or s.id != old.id]
    if old is not None and old.counts:
        before.append(old)
    new = PostSnapshot(
        id=change.post_id if change.post_id is not None else PREVIEW_ID,
        category=change.category,
        scheduled_at=change.scheduled_at,
        status=old.status if old is not None and old.counts else "draft",
        channel_ids=tuple(sorted(set(change.channel_ids))),
    )
    after = [s for s in before if old is None or s.id != old.id] + [new]
    names = _channels(session, workspace.id)
    policy = workspace_policy(workspace)
    context = streak_context(session, workspace.id, policy, (start, end), (lo, hi), before, after)
    return preview(
        before + context,
        after + context,
        policy,
        tz,
        now=now,
        start=start,
        end=end,
        channels=names.keys(),
        channel_names=names,
    )


def _involving(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[GuardrailWarning]:
    if post.scheduled_at is None:
        return []
    tz = get_zone(workspace.timezone)
    start, end = affected_span(tz, post.scheduled_at)
    lo, hi = load_span(tz, start, end)
    posts = snapshots(session, workspace.id, lo, hi)
    ids = tuple(
        sorted(session.exec(select(PostChannel.channel_id).where(PostChannel.post_id == post.id)))
    )
    mine = PostSnapshot(
        id=post.id,
        category=post.category,
        scheduled_at=post.scheduled_at,
        status="approved",
        channel_ids=ids,
    )
    posts = [p for p in posts if p.id != post.id] + [mine]
    names = _channels(session, workspace.id)
    policy = workspace_policy(workspace)
    posts += streak_context(session, workspace.id, policy, (start, end), (lo, hi), posts)
    found = evaluate(
        posts,
        policy,
        tz,
        now=now,
        start=start,
        end=end,
        channels=names.keys(),
        channel_names=names,
    )
    return warnings_for_post(found, post.id)


def impact_of_approval(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[dict[str, Any]]:
    """The warnings that would involve *post* once approved (what a reviewer should weigh)."""
    return [
        w.to_dict() for w in _involving(session=session, workspace=workspace, post=post, now=now)
    ]


def blocking_for(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[dict[str, Any]]:
    """The blocking warnings approving *post* would leave, which refuse approval without an override.

    A quiet gap never blocks: a post only ever ends a silence, so refusing it would make the gap
    longer, the opposite of what the rule asks for.
    """
    return [
        w.to_dict()
        for w in _involving(session=session, workspace=workspace, post=post, now=now)
        if w.severity == "block" and w.rule != "quiet_gap"
    ]


__all__ = [
    "Change",
    "Evaluation",
    "blocking_for",
    "evaluate_range",
    "impact_of_approval",
    "preview_change",
    "snapshots",
    "warnings_by_post",
    "workspace_policy",
]


def save_policy(*, session: Session, acc: Access, policy: Policy, now: datetime) -> Workspace:
    """Store a new policy for the workspace (owners only), recording the change."""
    require_owner(acc)
    ws = acc.workspace
    old = workspace_policy(ws).to_dict()
    ws.policy = policy.to_dict()
    session.add(ws)
    audit.record(
        session=session,
        workspace_id=ws.id,
        actor_id=acc.user.id,
        action="policy_changed",
        detail={"from": old.get("preset"), "to": policy.preset},
        now=now,
    )
    return ws
