"""The four guardrail rules; each reads grouped posts and returns every finding, not the first."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from fractions import Fraction
from itertools import groupby, pairwise
from operator import attrgetter
from zoneinfo import ZoneInfo

from planner.guardrails import wording
from planner.guardrails.findings import GuardrailWarning
from planner.guardrails.grouping import Grouped
from planner.guardrails.policy import Policy
from planner.guardrails.windows import Window

MIN_SHARE_POSTS = 4
_DAY_MICROSECONDS = 86_400_000_000
_at = attrgetter("at")


def max_share(
    grouped: Grouped, windows: Iterable[Window], policy: Policy, names: Mapping[int, str]
) -> list[GuardrailWarning]:
    """Warn for each window and channel where a category's share is above its maximum."""
    found: list[GuardrailWarning] = []
    if not policy.max_share:
        return found
    for window in windows:
        for channel_id, posts in grouped.in_window(window.key).items():
            total = len(posts)
            counts = Counter(post.category for post in posts)
            for category, limit in policy.max_share.items():
                count = counts[category]
                # Cross-multiplied so the comparison is exact: 1 in 5 is within 20%.
                if count * limit.denominator <= limit.numerator * total:
                    continue
                share = Fraction(count, total)
                found.append(
                    GuardrailWarning(
                        rule="max_share",
                        severity=policy.severity["max_share"],
                        channel_id=channel_id,
                        category=category,
                        window_start=window.start,
                        window_end=window.end,
                        actual=share,
                        limit=limit,
                        post_ids=tuple(post.id for post in posts if post.category == category),
                        message=(
                            f"{wording.window_label(window.kind, window.start)} "
                            f"{wording.place(channel_id, names)} is {wording.percent(share)} "
                            f"{category} (limit {wording.percent(limit)}): "
                            f"{count} of {wording.posts(total)}."
                        ),
                    )
                )
    return found


def min_share(
    grouped: Grouped, windows: Iterable[Window], policy: Policy, names: Mapping[int, str]
) -> list[GuardrailWarning]:
    """Warn for each month and channel with at least 4 posts where a category falls short."""
    found: list[GuardrailWarning] = []
    if not policy.min_share:
        return found
    for window in windows:
        if window.kind != "month":
            continue
        for channel_id, posts in grouped.in_window(window.key).items():
            total = len(posts)
            if total < MIN_SHARE_POSTS:
                continue
            counts = Counter(post.category for post in posts)
            for category, limit in policy.min_share.items():
                count = counts[category]
                if count * limit.denominator >= limit.numerator * total:
                    continue
                share = Fraction(count, total)
                found.append(
                    GuardrailWarning(
                        rule="min_share",
                        severity=policy.severity["min_share"],
                        channel_id=channel_id,
                        category=category,
                        window_start=window.start,
                        window_end=window.end,
                        actual=share,
                        limit=limit,
                        post_ids=tuple(post.id for post in posts),
                        message=(
                            f"{wording.window_label(window.kind, window.start)} "
                            f"{wording.place(channel_id, names)} is only {wording.percent(share)} "
                            f"{category} (minimum {wording.percent(limit)}): "
                            f"{count} of {wording.posts(total)}."
                        ),
                    )
                )
    return found


def streak(
    grouped: Grouped, policy: Policy, start: datetime, end: datetime, names: Mapping[int, str]
) -> list[GuardrailWarning]:
    """Warn once for each maximal run of more same-category posts in a row than allowed.

    Runs are read per channel in (time, id) order over all posts given, and reported when at
    least one of their posts lies in [start, end).
    """
    found: list[GuardrailWarning] = []
    if not policy.streak:
        return found
    for channel_id, posts in grouped.by_channel.items():
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
                )
            )
    return found


def quiet_gap(
    grouped: Grouped,
    policy: Policy,
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
    if not policy.quiet_gap_days or hi <= lo:
        return found
    allowed = timedelta(days=policy.quiet_gap_days)
    for channel_id in sorted(set(channels)):
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
                )
            )
    return found
