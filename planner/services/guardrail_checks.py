"""Guardrails against the database: every question about a span, with or without a change.

``judge`` is the one way through: it loads the whole windows around the span, applies the
proposed edits, follows streaks past the loaded edges and asks the pure engine. The other
functions are the questions the app asks of it: a range's warnings, a what-if, an approval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session

from planner.guardrails import (
    COUNTED_STATUSES,
    Changed,
    ChannelPolicy,
    Comparison,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    affected_span,
    compare,
    evaluate,
    load_span,
    mix,
    same_warning,
    warnings_for_post,
)
from planner.models import Post, Workspace
from planner.services.guardrail_policies import (
    channel_settings,
    resolved,
    save_policy,
    workspace_policy,
)
from planner.services.guardrail_posts import snapshot_of, snapshots, streak_context
from planner.services.post_lists import PostRow
from planner.timeutils import get_zone


@dataclass(frozen=True)
class Edits:
    """A proposed change to the calendar: posts added, existing posts changed, posts removed.

    ``changed`` holds existing posts as they would be (moved, edited or approved), replacing
    the stored ones by id; added posts carry ids below zero so none clashes with a stored post.
    """

    added: tuple[PostSnapshot, ...] = ()
    changed: tuple[PostSnapshot, ...] = ()
    removed: tuple[int, ...] = ()

    def apply(self, posts: Sequence[PostSnapshot]) -> list[PostSnapshot]:
        """Return *posts* as the edits would leave them."""
        gone = {*self.removed, *(p.id for p in self.changed)}
        return [p for p in posts if p.id not in gone] + [*self.changed, *self.added]


Report = Literal["after", "both", "changes"]


@dataclass(frozen=True)
class Findings:
    """What the rules find in a span: as the edits leave it, as it is, and the difference.

    Which fields are filled depends on the report asked for: ``after`` fills ``warnings``
    (and ``mix``); ``both`` fills every field; ``changes`` fills ``added``, ``removed`` and
    ``changed`` (warnings that stay, with their numbers moved: before and after).
    """

    channel_names: dict[int, str]
    warnings: list[GuardrailWarning] = field(default_factory=list)
    warnings_before: list[GuardrailWarning] = field(default_factory=list)
    added: list[GuardrailWarning] = field(default_factory=list)
    removed: list[GuardrailWarning] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    mix: list[dict[str, Any]] = field(default_factory=list)
    mix_before: list[dict[str, Any]] = field(default_factory=list)


def judge(
    *,
    session: Session,
    workspace: Workspace,
    span: tuple[datetime, datetime],
    now: datetime,
    edits: Edits | None = None,
    report: Report = "after",
    policy: Policy | None = None,
    load: tuple[datetime, datetime] | None = None,
    posts: Sequence[PostSnapshot] | None = None,
    with_mix: bool = False,
    settings: tuple[dict[int, str], dict[int, ChannelPolicy]] | None = None,
) -> Findings:
    """Evaluate [start, end) of *span* as *edits* would leave it, as it is, or both compared.

    The posts of *load* are read (default: the whole weeks and months around the span, so
    shares are exact), unless the caller already holds them as *posts*. Streaks running past
    the loaded edges are followed to their ends. For ``changes`` only the runs the edits touch
    are followed: an untouched run adds and clears nothing, and a what-if stays a few queries.
    *policy* replaces the workspace's own, to preview a policy before saving it; channels
    with their own guardrails are judged by them (inheriting ones by *policy*). A caller asking
    many questions in a row (the suggestions) passes the channel *settings* it read once.
    """
    tz = get_zone(workspace.timezone)
    start, end = span
    lo, hi = load or load_span(tz, start, end)
    before = list(posts) if posts is not None else snapshots(session, workspace.id, lo, hi)
    after = edits.apply(before) if edits else before
    names, own = settings if settings is not None else channel_settings(session, workspace.id)
    policy = policy or workspace_policy(workspace)
    per_channel = resolved(own, policy)

    def beyond(*sets: Sequence[PostSnapshot]) -> list[PostSnapshot]:
        return streak_context(
            session, workspace.id, policy, span, (lo, hi), *sets, policies=per_channel
        )

    def run(calendar: list[PostSnapshot]) -> list[GuardrailWarning]:
        return evaluate(
            calendar,
            policy,
            tz,
            now=now,
            start=start,
            end=end,
            channels=names.keys(),
            channel_names=names,
            channel_policies=per_channel,
        )

    def counts(calendar: list[PostSnapshot]) -> list[dict[str, Any]]:
        return mix(calendar, tz, start=start, end=end) if with_mix else []

    if report == "changes":
        context = beyond(before, after)
        diff = compare(run(before + context), run(after + context))
        return Findings(
            channel_names=names, added=diff.added, removed=diff.removed, changed=diff.changed
        )
    found = run(after + beyond(after))
    if report == "after":
        return Findings(channel_names=names, warnings=found, mix=counts(after))
    found_before = run(before + beyond(before))
    diff = compare(found_before, found)
    return Findings(
        channel_names=names,
        warnings=found,
        warnings_before=found_before,
        added=diff.added,
        removed=diff.removed,
        changed=diff.changed,
        mix=counts(after),
        mix_before=counts(before),
    )


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
    loaded: Sequence[Post | PostRow] | None = None,
    targets: Mapping[int, Sequence[int]] | None = None,
) -> Findings:
    """Every warning for [start, end) under the workspace's policy (or *policy*, for a preview).

    *load* narrows the posts read (default: whole windows, ``load_span``) for a caller that
    keeps only the warnings of windows wholly inside it. A caller that already holds every post
    of that span (the month view) passes them as *loaded*, with their channel ids in *targets*.
    """
    lo, hi = load or load_span(get_zone(workspace.timezone), start, end)
    posts = None
    if loaded is not None:
        posts = []
        for p in loaded:  # each field read once: a month view passes hundreds
            at, status = p.scheduled_at, p.status
            if status in COUNTED_STATUSES and at and lo <= at < hi:
                pid = p.id
                channel_ids = tuple((targets or {}).get(pid, ()))
                posts.append(
                    PostSnapshot(
                        id=pid,
                        category=p.category,
                        scheduled_at=at,
                        status=status,
                        channel_ids=channel_ids,
                    )
                )
    return judge(
        session=session,
        workspace=workspace,
        span=(start, end),
        now=now,
        policy=policy,
        load=(lo, hi),
        posts=posts,
        with_mix=with_mix,
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
) -> Comparison:
    """Return the warnings saving *change* would create, clear, and change (before, after).

    Only the week and month windows around the old and new times are loaded and evaluated.
    """
    old: PostSnapshot | None = None
    if change.post_id is not None:
        post = session.get(Post, change.post_id)
        if post is None or post.workspace_id != workspace.id:
            raise LookupError("no such post in this workspace")
        old = snapshot_of(session, post)
    instants = [
        t for t in (old.scheduled_at if old else None, change.scheduled_at) if t is not None
    ]
    if not instants:
        return Comparison([], [], [])
    new = PostSnapshot(
        id=change.post_id if change.post_id is not None else PREVIEW_ID,
        category=change.category,
        scheduled_at=change.scheduled_at,
        status=old.status if old is not None and old.counts else "draft",
        channel_ids=change.channel_ids,
    )
    found = judge(
        session=session,
        workspace=workspace,
        span=affected_span(get_zone(workspace.timezone), *instants),
        now=now,
        edits=Edits(changed=(new,)) if old else Edits(added=(new,)),
        report="changes",
    )
    return Comparison(found.added, found.removed, found.changed)


def _involving(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[GuardrailWarning]:
    """The warnings naming *post* once it is approved, in the windows around its time."""
    if post.scheduled_at is None:
        return []
    found = judge(
        session=session,
        workspace=workspace,
        span=affected_span(get_zone(workspace.timezone), post.scheduled_at),
        now=now,
        edits=Edits(changed=(snapshot_of(session, post, status="approved"),)),
    )
    return warnings_for_post(found.warnings, post.id)


def impact_of_approval(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[dict[str, Any]]:
    """The warnings that would involve *post* once approved, each saying what the post does.

    A reviewer weighs the post's part: ``impact`` is ``{"verdict": "new", "text": message}``
    for a warning the post brings, or ``better``/``worse``/``same`` with the before -> after
    line for one the calendar has without it ("promotional ...: 2 of 5 → 3 of 6, allows 1").
    One evaluation: the calendar as stored (the post counts the same in review as approved)
    and without the post.
    """
    if post.scheduled_at is None or post.status not in COUNTED_STATUSES:
        return [
            w.to_dict() | {"impact": {"verdict": "new", "text": w.message}}
            for w in _involving(session=session, workspace=workspace, post=post, now=now)
        ]
    found = judge(
        session=session,
        workspace=workspace,
        span=affected_span(get_zone(workspace.timezone), post.scheduled_at),
        now=now,
        edits=Edits(removed=(post.id,)),
        report="both",
    )
    result = []
    for warning in warnings_for_post(found.warnings_before, post.id):
        twin = next((w for w in found.warnings if same_warning(w, warning)), None)
        if twin is None:
            impact = {"verdict": "new", "text": warning.message}
        else:
            change = Changed(twin, warning)
            impact = {"verdict": change.verdict, "text": change.text}
        result.append(warning.to_dict() | {"impact": impact})
    return result


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
    "Edits",
    "Findings",
    "blocking_for",
    "evaluate_range",
    "impact_of_approval",
    "judge",
    "preview_change",
    "save_policy",
    "warnings_by_post",
    "workspace_policy",
]
