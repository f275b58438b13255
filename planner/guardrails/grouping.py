"""One pass over the posts that count, grouping them by channel and by calendar window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from planner.guardrails.snapshots import PostSnapshot
from planner.guardrails.windows import WindowKey, window_keys


class CountedPost(NamedTuple):
    """A counted post placed on the calendar: UTC and local time, id and category."""

    at: datetime
    local: datetime
    id: int
    category: str


@dataclass
class Grouped:
    """Counted posts per channel (``None`` for channel-less), in (time, id) order, and per window.

    Bucketing once lets each rule read a window's posts directly instead of scanning all
    posts per window, which keeps a year of a busy workspace well under 100 ms.
    """

    by_channel: dict[int | None, list[CountedPost]] = field(default_factory=dict)
    by_window: dict[WindowKey, dict[int | None, list[CountedPost]]] = field(default_factory=dict)

    def in_window(self, key: WindowKey) -> dict[int | None, list[CountedPost]]:
        """Return the window's posts by channel; empty when nothing counted falls in it."""
        return self.by_window.get(key, {})


def group_posts(posts: Iterable[PostSnapshot], tz: ZoneInfo) -> Grouped:
    """Group the counted *posts* by channel and by the local week and month they fall in."""
    placed: list[tuple[datetime, int, CountedPost, tuple[int | None, ...]]] = []
    for post in posts:
        if not post.counts or post.scheduled_at is None:
            continue
        counted = CountedPost(
            post.scheduled_at, post.scheduled_at.astimezone(tz), post.id, post.category
        )
        placed.append((counted.at, counted.id, counted, post.channel_ids or (None,)))
    placed.sort(key=itemgetter(0, 1))

    # Plain dicts filled with setdefault: a lookup of an empty window can never insert one, and
    # nothing needs copying at the end (the suggestions run this hundreds of times a request).
    by_channel: dict[int | None, list[CountedPost]] = {}
    by_window: dict[WindowKey, dict[int | None, list[CountedPost]]] = {}
    lines_by_day: dict[date, tuple[dict[int | None, list[CountedPost]], ...]] = {}
    for _at, _id, counted, channels in placed:
        day = counted.local.date()
        lines = lines_by_day.get(day)
        if lines is None:
            week_key, month_key = window_keys(day)
            lines = lines_by_day[day] = (
                by_window.setdefault(week_key, {}),
                by_window.setdefault(month_key, {}),
            )
        week, month = lines
        for channel_id in channels:
            by_channel.setdefault(channel_id, []).append(counted)
            week.setdefault(channel_id, []).append(counted)
            month.setdefault(channel_id, []).append(counted)
    return Grouped(by_channel, by_window)
