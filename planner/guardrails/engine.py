"""Evaluating a policy over a stretch of the calendar, and the category mix behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from planner.guardrails import rules
from planner.guardrails.findings import GuardrailWarning, sort_key
from planner.guardrails.grouping import group_posts
from planner.guardrails.policy import CATEGORIES, Policy
from planner.guardrails.snapshots import PostSnapshot
from planner.guardrails.windows import windows_between
from planner.timeutils import as_utc


def evaluate(
    posts: Iterable[PostSnapshot],
    policy: Policy,
    tz: ZoneInfo,
    *,
    now: datetime,
    start: datetime,
    end: datetime,
    channels: Iterable[int] = (),
    channel_names: Mapping[int, str] | None = None,
    channel_policies: Mapping[int, Policy] | None = None,
) -> list[GuardrailWarning]:
    """Run every rule over [start, end) and return all findings in a stable order.

    Each channel's windows, runs and gaps are judged by its own entry in *channel_policies*
    when it has one, else by *policy* (which also judges posts without a channel).

    Share rules report the weeks and months intersecting the range, so *posts* must hold
    every counted post of those windows (see ``load_span``); other posts are ignored by them.
    Streaks are reported when one of their posts is in the range. Quiet gaps are checked
    from ``max(start, now)`` to *end* on each of *channels* and each channel the posts use.
    """
    start, end, now = as_utc(start), as_utc(end), as_utc(now)
    if end <= start:
        return []
    names = channel_names or {}
    own = channel_policies or {}

    def policy_for(channel_id: int | None) -> Policy:
        return policy if channel_id is None else own.get(channel_id, policy)

    grouped = group_posts(posts, tz)
    windows = windows_between(tz, start, end)
    gap_channels = {c for c in (*channels, *grouped.by_channel) if c is not None}
    found = [
        *rules.max_share(grouped, windows, policy_for, names),
        *rules.min_share(grouped, windows, policy_for, names),
        *rules.streak(grouped, policy_for, start, end, names),
        *rules.quiet_gap(grouped, policy_for, tz, gap_channels, max(start, now), end, names),
    ]
    return sorted(found, key=sort_key)


def mix(
    posts: Iterable[PostSnapshot], tz: ZoneInfo, *, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Count counted posts by category per channel and per week and month intersecting the range.

    Every channel with a counted post in those windows gets a row for each window, empty
    ones included, so a chart has no holes; channel-less posts form the ``None`` group.
    ``total`` counts every counted post, including any with a category outside the four.
    """
    grouped = group_posts(posts, tz)
    windows = windows_between(tz, start, end)
    seen = {channel_id for window in windows for channel_id in grouped.in_window(window.key)}
    ordered = sorted(seen, key=lambda c: (1, 0) if c is None else (0, c))
    rows: list[dict[str, Any]] = []
    for channel_id in ordered:
        for window in windows:
            in_window = grouped.in_window(window.key).get(channel_id, [])
            counts = dict.fromkeys(CATEGORIES, 0)
            for post in in_window:
                if post.category in counts:
                    counts[post.category] += 1
            rows.append(
                {
                    "channel_id": channel_id,
                    "window": window.kind,
                    "window_start": window.start.isoformat(timespec="seconds"),
                    "window_end": window.end.isoformat(timespec="seconds"),
                    "counts": counts,
                    "total": len(in_window),
                }
            )
    return rows
