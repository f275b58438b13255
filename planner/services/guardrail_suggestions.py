"""Suggestions for guardrail warnings, each checked with the engine before it is offered.

A candidate from ``planner.guardrails.suggestions`` is kept only when the plan it leaves has
fewer warnings, the one it works on gone, and none it did not have before, on any channel (a
warning whose numbers moved is the same warning, see ``same_warning``). A window far over its
limit may take a first step instead: the same number of warnings, that one closer to its limit
and no other worse; its message says so.
Every check goes through ``guardrail_checks.judge`` with the candidate as ``Edits``; the posts
around the warnings are read once and handed to each check.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from planner.guardrails import (
    Changed,
    ChannelPolicy,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    affected_span,
    load_span,
    same_warning,
)
from planner.guardrails.suggestions import Candidate, Idea, Plan, candidates, plan_of
from planner.models import Post, PostStatus, Workspace
from planner.services import guardrail_checks
from planner.services import posts as post_service
from planner.services.guardrail_checks import Edits
from planner.services.guardrail_policies import channel_settings
from planner.services.guardrail_posts import snapshots
from planner.services.posts import PostFilters
from planner.timeutils import get_zone

REACH = timedelta(days=7 * 3 + 1)  # how far around the warnings moves may go
IDEA_WORDS = 60
TRIES_PER_KIND = 1
EDGE_POSTS = 10  # posts read past each edge of a check, so runs there are seen whole
TICK = timedelta(microseconds=1)
STEP = " A first step: more changes are needed to clear the warning."


@dataclass(frozen=True)
class _Check:
    """What one candidate is judged on: its span, the posts read for it, and its channels."""

    span: tuple[datetime, datetime]
    load: tuple[datetime, datetime]
    channels: frozenset[int | None]


def _better(after: GuardrailWarning, before: GuardrailWarning) -> bool:
    """Tell whether the same warning reads better, as the what-if says it (``Changed``)."""
    return Changed(before=before, after=after).verdict == "better"


def _no_worse(after: GuardrailWarning, before: GuardrailWarning) -> bool:
    return Changed(before=before, after=after).verdict != "worse"


class _Checker:
    """Checks candidates with ``judge`` against posts read once, with the channel names read once."""

    def __init__(
        self,
        session: Session,
        workspace: Workspace,
        now: datetime,
        policy: Policy,
        settings: tuple[dict[int, str], dict[int, ChannelPolicy]],
    ) -> None:
        self.session, self.workspace, self.now = session, workspace, now
        self.tz = get_zone(workspace.timezone)
        self.policy = policy
        self.gap = timedelta(days=policy.quiet_gap_days or 7)
        self.names, self.own = settings
        self.posts: list[PostSnapshot] = []
        self.by_id: dict[int, PostSnapshot] = {}
        self.read = (now, now)
        self.lines: dict[frozenset[int | None], tuple[list[PostSnapshot], list[Any]]] = {}
        self.baselines: dict[tuple[_Check, tuple[datetime, datetime]], list[GuardrailWarning]] = {}

    def reach(self, horizon: tuple[datetime, datetime]) -> tuple[datetime, datetime]:
        """The span to read so that every check of a change inside *horizon* has its posts."""
        # A change's windows end at most a month (plus a week) past it, and a move looks a gap
        # further for the neighbours it leaves.
        far = self.gap + timedelta(days=45)
        return horizon[0] - far, horizon[1] + far

    def use(self, posts: Sequence[PostSnapshot], read: tuple[datetime, datetime]) -> None:
        """Hold *posts*, every counted post of the *read* span, in time order."""
        self.posts = sorted(posts, key=lambda p: (p.scheduled_at or read[1], p.id))
        self.by_id = {p.id: p for p in self.posts}
        self.read = read

    def _check_of(self, candidate: Candidate) -> _Check:
        instants = [*candidate.instants]
        channels: set[int | None] = set()
        for post in (*candidate.changed, *candidate.added):
            channels.update(post.channel_ids or (None,))
        for post in candidate.changed:
            old = self.by_id.get(post.id)
            if old is None or old.scheduled_at is None:
                continue
            instants.append(old.scheduled_at)
            if old.scheduled_at != post.scheduled_at:
                # A post leaving a day can open a quiet gap up to its neighbours.
                instants += [old.scheduled_at - self.gap, old.scheduled_at + self.gap]
        span = affected_span(self.tz, *instants)
        lo, hi = load_span(self.tz, *span)
        return _Check(span=span, load=(lo, hi), channels=frozenset(channels))

    def _posts_for(self, check: _Check) -> tuple[list[PostSnapshot], tuple[datetime, datetime]]:
        """The posts of the check's channels in its load, and the span they stand for.

        Only the channels the change touches: the others read the same before and after. A few
        posts past each edge come along, so that judge rarely has to follow a run in the database.
        """
        lo, hi = check.load
        if check.channels not in self.lines:
            line = [
                p
                for p in self.posts
                if p.scheduled_at is not None
                and not check.channels.isdisjoint(p.channel_ids or (None,))
            ]
            self.lines[check.channels] = (line, [p.scheduled_at for p in line])
        mine, times = self.lines[check.channels]
        first, last = bisect_left(times, lo), bisect_left(times, hi)
        start, end = max(0, first - EDGE_POSTS), min(len(mine), last + EDGE_POSTS)
        # Where the read posts run out before the padding, the read span's edge is the edge.
        span_lo = self.read[0] if start == 0 else min(lo, mine[start].scheduled_at)
        span_hi = self.read[1] if end == len(mine) else max(hi, mine[end - 1].scheduled_at + TICK)
        return mine[start:end], (span_lo, span_hi)

    def _judge(
        self,
        check: _Check,
        posts: list[PostSnapshot],
        load: tuple[datetime, datetime],
        edits: Edits | None,
    ) -> list[GuardrailWarning]:
        return guardrail_checks.judge(
            session=self.session,
            workspace=self.workspace,
            span=check.span,
            now=self.now,
            edits=edits,
            load=load,
            posts=posts,
            # Read once: parsing the stored policy costs as much as a check.
            policy=self.policy,
            # Quiet gaps only on the channels the change touches: the others cannot change.
            settings=({c: n for c, n in self.names.items() if c in check.channels}, self.own),
        ).warnings

    def verdict(self, candidate: Candidate, target: GuardrailWarning) -> str | None:
        """Return "fixes" or "improves" when *candidate* helps with *target* and adds nothing.

        It fixes when *target* is gone, there are fewer warnings and none the plan did not have
        (a warning whose numbers moved is the same one); it improves when *target* stays but
        reads better (one step of several) and every other warning stays or reads better too.
        """
        check = self._check_of(candidate)
        posts, load = self._posts_for(check)
        key = (check, load)
        if key not in self.baselines:
            self.baselines[key] = self._judge(check, posts, load, None)
        before = self.baselines[key]
        after = self._judge(
            check, posts, load, Edits(changed=candidate.changed, added=candidate.added)
        )
        return assess(before, after, target)


def assess(
    before: Sequence[GuardrailWarning],
    after: Sequence[GuardrailWarning],
    target: GuardrailWarning | None = None,
) -> str | None:
    """Judge a change from the warnings before and after it: "fixes", "improves" or ``None``.

    It fixes when there are fewer warnings (*target*, if given, among those gone); it improves
    when as many remain but one (*target*, if given) reads better. Either way no warning may be
    new and none may read worse: a change that helps here and harms there is no suggestion.
    """
    if len(after) > len(before):
        return None
    pairs = []
    for w in after:
        same = [b for b in before if same_warning(w, b)]
        if not same:
            return None  # a warning the plan did not have
        if not _no_worse(w, same[0]):
            return None  # one that grew worse
        pairs.append((w, same[0]))
    if target is not None:
        if not any(same_warning(target, b) for b in before):
            return None
        stays = [(w, b) for w, b in pairs if same_warning(target, w)]
        if not stays:
            return "fixes" if len(after) < len(before) else None
        return "improves" if _better(*stays[0]) else None
    if len(after) < len(before):
        return "fixes"
    return "improves" if any(_better(w, b) for w, b in pairs) else None


def _reach(warnings: Sequence[GuardrailWarning]) -> tuple[datetime, datetime]:
    """The span the suggestions for *warnings* may use: their windows and a few weeks around."""
    lo = min(w.window_start for w in warnings)
    hi = max(w.window_end for w in warnings)
    return lo - REACH, hi + REACH


def ideas(*, session: Session, workspace_id: int) -> list[Idea]:
    """The workspace's ideas (unscheduled drafts) with their opening words, oldest first."""
    drafts = post_service.list_posts(
        session=session,
        workspace_id=workspace_id,
        filters=PostFilters(scheduled=False, status=PostStatus.DRAFT, limit=500),
    )
    targets = post_service.channel_ids_for(session=session, post_ids=[p.id for p in drafts])
    return [
        Idea(
            id=p.id,
            category=p.category,
            text=p.body if len(p.body) <= IDEA_WORDS else p.body[: IDEA_WORDS - 1] + "…",
            channel_ids=tuple(targets.get(p.id, ())),
        )
        for p in sorted(drafts, key=lambda p: p.id)
    ]


def suggest(
    *,
    session: Session,
    workspace: Workspace,
    warnings: Sequence[GuardrailWarning],
    now: datetime,
) -> dict[GuardrailWarning, list[Candidate]]:
    """Map each warning to the fixes the engine confirms: the first of each kind, best first."""
    result: dict[GuardrailWarning, list[Candidate]] = {w: [] for w in warnings}
    if not warnings:
        return result
    tz = get_zone(workspace.timezone)
    horizon = _reach(warnings)
    policy = guardrail_checks.workspace_policy(workspace)
    names, own = channel_settings(session, workspace.id)
    checker = _Checker(session, workspace, now, policy, (names, own))
    read = checker.reach(horizon)
    checker.use(snapshots(session, workspace.id, *read), read)
    plan: Plan = plan_of(checker.posts, tz, now=now, horizon=horizon, policy=policy)
    wanted_ideas = any(w.rule != "max_share" for w in warnings)
    found_ideas = ideas(session=session, workspace_id=workspace.id) if wanted_ideas else []
    for warning in warnings:
        kept = result[warning]
        tried: dict[str, int] = {}
        for candidate in candidates(
            warning, plan, tz, now=now, horizon=horizon, ideas=found_ideas, channel_names=names
        ):
            # One fix of each kind reads better than three moves of the same post, and trying
            # only the likeliest of each kind keeps a month of twenty warnings quick to show.
            if any(c.action == candidate.action for c in kept):
                continue
            if tried.get(candidate.action, 0) == TRIES_PER_KIND:
                continue
            tried[candidate.action] = tried.get(candidate.action, 0) + 1
            verdict = checker.verdict(candidate, warning)
            if verdict == "improves":
                candidate = replace(candidate, message=candidate.message + STEP)
            if verdict is not None:
                kept.append(candidate)
    return result


def warnings_json(
    *, session: Session, workspace: Workspace, warnings: Sequence[GuardrailWarning], now: datetime
) -> list[dict[str, Any]]:
    """The warnings in their JSON shape, each with its checked ``suggestions``."""
    fixes = suggest(session=session, workspace=workspace, warnings=warnings, now=now)
    return [{**w.to_dict(), "suggestions": [c.to_dict() for c in fixes[w]]} for w in warnings]


def warnings_by_post(
    *, session: Session, workspace: Workspace, posts: Sequence[Post], now: datetime
) -> dict[int, list[dict[str, Any]]]:
    """Map each scheduled post to the JSON of the current warnings naming it, with suggestions."""
    times = [p.scheduled_at for p in posts if p.scheduled_at is not None]
    if not times:
        return {}
    start, end = affected_span(get_zone(workspace.timezone), min(times), max(times))
    # As guardrail_checks.warnings_by_post: every window holding one of the posts lies wholly
    # inside [start, end), so only those posts are read.
    found = guardrail_checks.evaluate_range(
        session=session, workspace=workspace, start=start, end=end, now=now, load=(start, end)
    ).warnings
    wanted = {p.id for p in posts}
    mine = [w for w in found if not wanted.isdisjoint(w.post_ids)]
    shown = warnings_json(session=session, workspace=workspace, warnings=mine, now=now)
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for warning, form in zip(mine, shown, strict=True):
        for pid in warning.post_ids:
            if pid in wanted:
                result[pid].append(form)
    return result


def post_warnings(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[GuardrailWarning]:
    """The current warnings naming *post*, in the weeks and month around its time."""
    if post.scheduled_at is None:
        return []
    span = affected_span(get_zone(workspace.timezone), post.scheduled_at)
    found = guardrail_checks.evaluate_range(
        session=session, workspace=workspace, start=span[0], end=span[1], now=now
    ).warnings
    return [w for w in found if post.id in w.post_ids]


def fixes(
    *, session: Session, workspace: Workspace, post: Post, now: datetime
) -> list[GuardrailWarning]:
    """The warnings *post* keeps away: those the plan would have without it (a review queue cue)."""
    if post.scheduled_at is None:
        return []
    found = guardrail_checks.judge(
        session=session,
        workspace=workspace,
        span=affected_span(get_zone(workspace.timezone), post.scheduled_at),
        now=now,
        edits=Edits(removed=(post.id,)),
        report="changes",
    )
    # Only warnings that would be new: one merely growing without the post is not kept away.
    return [w for w in found.added if not any(same_warning(w, r) for r in found.removed)]


__all__ = [
    "fixes",
    "assess",
    "ideas",
    "post_warnings",
    "suggest",
    "warnings_by_post",
    "warnings_json",
]
