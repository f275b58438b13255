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
    DEFAULT_POLICY,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    affected_span,
    compare,
    evaluate,
    load_span,
    mix,
    warnings_for_post,
)
from planner.models import Post, Workspace
from planner.services import audit
from planner.services.guardrail_posts import (
    channel_names,
    snapshot_of,
    snapshots,
    streak_context,
)
from planner.services.workspaces import Access, require_owner
from planner.timeutils import get_zone


def workspace_policy(workspace: Workspace) -> Policy:
    """The workspace's policy, or the 80/20 default when it never chose one."""
    return Policy.from_dict(workspace.policy) if workspace.policy else DEFAULT_POLICY


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
    (and ``mix``); ``both`` fills every field; ``changes`` fills ``added`` and ``removed``.
    """

    channel_names: dict[int, str]
    warnings: list[GuardrailWarning] = field(default_factory=list)
    warnings_before: list[GuardrailWarning] = field(default_factory=list)
    added: list[GuardrailWarning] = field(default_factory=list)
    removed: list[GuardrailWarning] = field(default_factory=list)
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
    names: Mapping[int, str] | None = None,
) -> Findings:
    """Evaluate [start, end) of *span* as *edits* would leave it, as it is, or both compared.

    The posts of *load* are read (default: the whole weeks and months around the span, so
    shares are exact), unless the caller already holds them as *posts*. Streaks running past
    the loaded edges are followed to their ends. For ``changes`` only the runs the edits touch
    are followed: an untouched run adds and clears nothing, and a what-if stays a few queries.
    *policy* replaces the workspace's own, to preview a policy before saving it. A caller
    asking many questions in a row (the suggestions) passes the channel *names* it read once.
    """
    tz = get_zone(workspace.timezone)
    start, end = span
    lo, hi = load or load_span(tz, start, end)
    before = list(posts) if posts is not None else snapshots(session, workspace.id, lo, hi)
    after = edits.apply(before) if edits else before
    names = dict(names) if names is not None else channel_names(session, workspace.id)
    policy = policy or workspace_policy(workspace)

    def beyond(*sets: Sequence[PostSnapshot]) -> list[PostSnapshot]:
        return streak_context(session, workspace.id, policy, span, (lo, hi), *sets)

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
        )

    def counts(calendar: list[PostSnapshot]) -> list[dict[str, Any]]:
        return mix(calendar, tz, start=start, end=end) if with_mix else []

    if report == "changes":
        context = beyond(before, after)
        added, removed = compare(run(before + context), run(after + context))
        return Findings(channel_names=names, added=added, removed=removed)
    found = run(after + beyond(after))
    if report == "after":
        return Findings(channel_names=names, warnings=found, mix=counts(after))
    found_before = run(before + beyond(before))
    added, removed = compare(found_before, found)
    return Findings(
        channel_names=names,
        warnings=found,
        warnings_before=found_before,
        added=added,
        removed=removed,
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
    loaded: Sequence[Post] | None = None,
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
) -> tuple[list[GuardrailWarning], list[GuardrailWarning]]:
    """Return (added, removed): the warnings saving *change* would create and clear.

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
        return [], []
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
    return found.added, found.removed


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
