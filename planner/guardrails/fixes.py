"""The types suggestions are made of, and the calendar they are drawn from.

A ``Candidate`` is a fix a person can read plus the snapshots that carry it out; a ``Plan``
indexes the posts around the warnings once for all the questions candidates ask of them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from planner.guardrails import wording
from planner.guardrails.policy import CATEGORIES, Policy
from planner.guardrails.snapshots import PostSnapshot
from planner.timeutils import as_utc, week_window

# Posts a suggestion may change: not approved yet, so nobody's sign-off is undone.
CHANGEABLE = frozenset({"draft", "in_review"})
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Idea:
    """An unscheduled draft that could fill a spot: its id, category, opening words, channels."""

    id: int
    category: str
    text: str
    channel_ids: tuple[int, ...] = ()

    def fits(self, channel_id: int | None) -> bool:
        """Tell whether the idea may go out on *channel_id* (an idea without channels fits any)."""
        return not self.channel_ids or channel_id in self.channel_ids


@dataclass(frozen=True)
class Candidate:
    """A fix a person can read, and the change (``changed``/``added`` snapshots) it stands for."""

    action: str  # "move" | "recategorize" | "add"
    message: str
    post_id: int | None = None
    to: date | None = None
    category: str | None = None
    count: int | None = None
    dates: tuple[date, ...] = ()
    ideas: tuple[Idea, ...] = ()
    changed: tuple[PostSnapshot, ...] = ()
    added: tuple[PostSnapshot, ...] = ()

    @property
    def instants(self) -> list[datetime]:
        """The times the change touches, old and new, for the span a check must evaluate."""
        return [p.scheduled_at for p in (*self.changed, *self.added) if p.scheduled_at]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape: only the keys that apply, dates as ISO days."""
        shown: dict[str, Any] = {"action": self.action}
        if self.post_id is not None:
            shown["post_id"] = self.post_id
        if self.to is not None:
            shown["to"] = self.to.isoformat()
        if self.category is not None:
            shown["category"] = self.category
        if self.count is not None:
            shown["count"] = self.count
        if len(self.dates) > 1:
            shown["dates"] = [d.isoformat() for d in self.dates]
        if self.ideas:
            shown["ideas"] = [{"id": i.id, "text": i.text} for i in self.ideas]
        shown["message"] = self.message
        return shown


def moment_label(local: datetime) -> str:
    """Return a local time as "Tue 13 Jan, 09:00" (fixed English names, as in messages)."""
    return f"{WEEKDAYS[local.weekday()]} {wording.day_label(local)}, {local:%H:%M}"


def day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {wording.MONTHS[day.month - 1][:3]}"


def quoted(ideas: Sequence[Idea]) -> str:
    if not ideas:
        return ""
    return ", such as " + " or ".join(f"“{i.text}”" for i in ideas[:2])


class Plan:
    """The snapshots around the warnings, indexed for the questions candidates ask."""

    def __init__(
        self,
        posts: Iterable[PostSnapshot],
        tz: ZoneInfo,
        now: datetime,
        horizon: tuple[datetime, datetime],
        policy: Policy | None = None,
    ) -> None:
        self.tz, self.now, self.policy = tz, as_utc(now), policy
        self.horizon = (as_utc(horizon[0]), as_utc(horizon[1]))
        self.by_id = {p.id: p for p in posts}
        lines: dict[int | None, list[PostSnapshot]] = {}
        for p in self.by_id.values():
            if p.counts:
                for channel_id in p.channel_ids or (None,):
                    lines.setdefault(channel_id, []).append(p)
        for line in lines.values():
            line.sort(key=lambda p: (self.at(p), p.id))
        self.lines = lines
        self.times = {c: [self.at(p) for p in line] for c, line in lines.items()}

    def changeable(self, post_id: int) -> PostSnapshot | None:
        post = self.by_id.get(post_id)
        if post is None or post.status not in CHANGEABLE or post.scheduled_at is None:
            return None
        return post if post.scheduled_at > self.now else None

    @staticmethod
    def at(post: PostSnapshot) -> datetime:
        """The post's time; every post in the lines is scheduled."""
        return post.scheduled_at or datetime.max.replace(tzinfo=UTC)

    def local(self, post: PostSnapshot) -> datetime:
        return self.at(post).astimezone(self.tz)

    def fits(self, when: datetime) -> bool:
        return when > self.now and self.horizon[0] <= when < self.horizon[1]

    def count(self, channel_id: int | None, lo: datetime, hi: datetime) -> tuple[int, Counter]:
        """Posts on the channel in [lo, hi): the total and the count per category."""
        times = self.times.get(channel_id, [])
        found = self.lines.get(channel_id, [])[bisect_left(times, lo) : bisect_left(times, hi)]
        return len(found), Counter(p.category for p in found)

    def quietest(self, channel_id: int | None, near: datetime, but: str) -> str:
        """The category (other than *but*) the channel has fewest of in the week around *near*."""
        lo, hi = week_window(near.astimezone(self.tz).date(), self.tz)
        _total, counts = self.count(channel_id, as_utc(lo), as_utc(hi))
        # A category with a maximum share comes last: it is the one most likely to warn.
        capped = self.policy.max_share if self.policy else {}
        return min(
            (c for c in CATEGORIES if c != but),
            key=lambda c: (c in capped, counts[c], CATEGORIES.index(c)),
        )


def plan_of(
    posts: Iterable[PostSnapshot],
    tz: ZoneInfo,
    *,
    now: datetime,
    horizon: tuple[datetime, datetime],
    policy: Policy | None = None,
) -> Plan:
    """Index *posts* once for many calls of ``candidates`` (pass the result as its *posts*).

    With *policy*, posts a suggestion adds or re-labels avoid categories with a maximum share.
    """
    return Plan(posts, tz, now, horizon, policy)
