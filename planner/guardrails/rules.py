"""The four guardrail rules; each reads grouped posts and returns every finding, not the first."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import groupby, pairwise
from operator import attrgetter
from zoneinfo import ZoneInfo

from planner.guardrails import wording
from planner.guardrails.findings import GuardrailWarning
from planner.guardrails.grouping import Grouped
from planner.guardrails.policy import PRESETS, Policy
from planner.guardrails.windows import Window

MIN_SHARE_POSTS = 4
_DAY_MICROSECONDS = 86_400_000_000
_HALF = Fraction(1, 2)
_at = attrgetter("at")

PolicyFor = Callable[[int | None], Policy]


@lru_cache(maxsize=4096)
def allowance(share: Fraction, total: int) -> int:
    """Return how many of *total* posts a maximum *share* lets through: the nearest count, at least 1.

    A bare fraction would forbid the one promotion of a 3-post week (33% > 20%); rounding
    ``share * total`` half up and allowing at least one post means 80/20 fits one promotion in
    any week of 1 to 7 posts and two from 8. A share of 0 allows none.
    """
    if share <= 0:
        return 0
    return max(1, math.floor(share * total + _HALF))


def shortfall_target(share: Fraction, total: int) -> int:
    """Return how many of *total* posts a minimum *share* asks for: ``ceil(share * total)``."""
    return math.ceil(share * total)


def who_sets(policy: Policy, rule: str, category: str) -> str:
    """Return how a message names a limit: the preset's name while it holds, else "your limit"."""
    preset = PRESETS.get(policy.preset)
    label = wording.PRESET_LABELS.get(policy.preset)
    if preset is None or label is None:
        return wording.YOUR_LIMIT
    ours, theirs = getattr(policy, rule).get(category), getattr(preset, rule).get(category)
    return label if ours == theirs else wording.YOUR_LIMIT


def max_share(
    grouped: Grouped, windows: Iterable[Window], policy_for: PolicyFor, names: Mapping[int, str]
) -> list[GuardrailWarning]:
    """Warn for each window and channel where a category has more posts than its allowance."""
    found: list[GuardrailWarning] = []
    for window in windows:
        for channel_id, posts in grouped.in_window(window.key).items():
            policy = policy_for(channel_id)
            if not policy.max_share:
                continue
            total = len(posts)
            counts = Counter(post.category for post in posts)
            for category, limit in policy.max_share.items():
                count = counts[category]
                allowed = allowance(limit, total)
                if count <= allowed:
                    continue
                said = wording.share_count(
                    count,
                    total,
                    category,
                    wording.among(channel_id, names),
                    wording.window_phrase(window.kind, window.start),
                )
                found.append(
                    GuardrailWarning(
                        rule="max_share",
                        severity=policy.severity["max_share"],
                        channel_id=channel_id,
                        category=category,
                        window_start=window.start,
                        window_end=window.end,
                        actual=Fraction(count, total),
                        limit=limit,
                        post_ids=tuple(post.id for post in posts if post.category == category),
                        message=wording.sentence(
                            f"{said}; {who_sets(policy, 'max_share', category)} "
                            f"allows {wording.allowance(allowed)}."
                        ),
                        allowed=allowed,
                        count=count,
                        total=total,
                        topic=_topic(category, window, channel_id, names),
                    )
                )
    return found


def min_share(
    grouped: Grouped, windows: Iterable[Window], policy_for: PolicyFor, names: Mapping[int, str]
) -> list[GuardrailWarning]:
    """Warn for each month and channel with at least 4 posts where a category falls short."""
    found: list[GuardrailWarning] = []
    for window in windows:
        if window.kind != "month":
            continue
        for channel_id, posts in grouped.in_window(window.key).items():
            policy = policy_for(channel_id)
            total = len(posts)
            if not policy.min_share or total < MIN_SHARE_POSTS:
                continue
            counts = Counter(post.category for post in posts)
            for category, limit in policy.min_share.items():
                count = counts[category]
                if count * limit.denominator >= limit.numerator * total:
                    continue
                needed = shortfall_target(limit, total)
                said = wording.share_count(
                    count,
                    total,
                    category,
                    wording.among(channel_id, names),
                    wording.window_phrase(window.kind, window.start),
                    verb="only ",
                )
                found.append(
                    GuardrailWarning(
                        rule="min_share",
                        severity=policy.severity["min_share"],
                        channel_id=channel_id,
                        category=category,
                        window_start=window.start,
                        window_end=window.end,
                        actual=Fraction(count, total),
                        limit=limit,
                        post_ids=tuple(post.id for post in posts),
                        message=wording.sentence(
                            f"{said}; {who_sets(policy, 'min_share', category)} asks for {needed}."
                        ),
                        needed=needed,
                        count=count,
                        total=total,
                        topic=_topic(category, window, channel_id, names),
                    )
                )
    return found


def _topic(category: str, window: Window, channel_id: int | None, names: Mapping[int, str]) -> str:
    """Return "promotional in the week of 9 Mar on Mastodon": what a share warning measures."""
    return (
        f"{category} {wording.window_phrase(window.kind, window.start)} "
        f"{wording.among(channel_id, names)}"
    )


def streak(
    grouped: Grouped,
    policy_for: PolicyFor,
    start: datetime,
    end: datetime,
    names: Mapping[int, str],
) -> list[GuardrailWarning]:
    """Warn once for each maximal run of more same-category posts in a row than allowed.

    Runs are read per channel in (time, id) order over all posts given, and reported when at
    least one of their posts lies in [start, end).
    """
    found: list[GuardrailWarning] = []
    for channel_id, posts in grouped.by_channel.items():
        policy = policy_for(channel_id)
        if not policy.streak:
            continue
        for category, run_iter in groupby(posts, key=attrgetter("category")):
            limit = policy.streak.get(category)
            if limit is None:
                continue
            run = list(run_iter)
            if len(run) <= limit or run[0].at >= end or run[-1].at < start:
                continue
            first, last = run[0].local, run[-1].local
            if first.date() == last.date():
                when = f"on {wording.day_label(first)}"
            else:
                when = f"from {wording.day_label(first)} to {wording.day_label(last)}"
            found.append(
                GuardrailWarning(
                    rule="streak",
                    severity=policy.severity["streak"],
                    channel_id=channel_id,
                    category=category,
                    window_start=first,
                    window_end=last,
                    actual=len(run),
                    limit=limit,
                    post_ids=tuple(post.id for post in run),
                    message=(
                        f"{len(run)} {category} posts in a row {wording.place(channel_id, names)} "
                        f"(limit {limit}), {when}."
                    ),
                    topic=f"{category} posts in a row {wording.place(channel_id, names)}",
                )
            )
    return found


def quiet_gap(
    grouped: Grouped,
    policy_for: PolicyFor,
    tz: ZoneInfo,
    channels: Iterable[int],
    lo: datetime,
    hi: datetime,
    names: Mapping[int, str],
) -> list[GuardrailWarning]:
    """Warn for every stretch of [lo, hi) longer than the allowed gap with nothing on a channel.

    The neighbours are lo, the channel's posts in [lo, hi), then hi. Gaps are measured on the
    local wall clock, so posting every Monday at 9:00 never trips a 7-day limit across DST.
    """
    found: list[GuardrailWarning] = []
    if hi <= lo:
        return found
    for channel_id in sorted(set(channels)):
        policy = policy_for(channel_id)
        if not policy.quiet_gap_days:
            continue
        allowed = timedelta(days=policy.quiet_gap_days)
        posts = grouped.by_channel.get(channel_id, [])
        first = bisect_left(posts, lo, key=_at)
        last = bisect_left(posts, hi, key=_at)
        points: list[tuple[datetime, int | None]] = [(lo.astimezone(tz), None)]
        points += [(post.local, post.id) for post in posts[first:last]]
        points.append((hi.astimezone(tz), None))
        for (a, a_id), (b, b_id) in pairwise(points):
            # Both carry the same tzinfo, so Python subtracts the wall-clock readings.
            span = b - a
            if span <= allowed:
                continue
            name = wording.channel_name(channel_id, names)
            found.append(
                GuardrailWarning(
                    rule="quiet_gap",
                    severity=policy.severity["quiet_gap"],
                    channel_id=channel_id,
                    category=None,
                    window_start=a,
                    window_end=b,
                    actual=Fraction(span // timedelta(microseconds=1), _DAY_MICROSECONDS),
                    limit=policy.quiet_gap_days,
                    post_ids=tuple(i for i in (a_id, b_id) if i is not None),
                    message=wording.sentence(
                        f"{name} goes quiet for {wording.days(span)} from {wording.day_label(a)}."
                    ),
                    topic=f"quiet spell on {name} from {wording.day_label(a)}",
                )
            )
    return found
