"""Guardrail warnings: one finding of one rule, in the shape the web layer shows and stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from planner.guardrails import wording


def _number(value: Fraction | int | float) -> int | float:
    """Return *value* as a JSON number: integers stay exact, the rest is rounded to 4 places."""
    if isinstance(value, int):
        return value
    return round(float(value), 4)


def _channel(channel_id: int | None) -> str:
    return "-" if channel_id is None else str(channel_id)


@dataclass(frozen=True)
class GuardrailWarning:
    """A rule that a stretch of the calendar breaks, with the posts that break it.

    ``window_start`` and ``window_end`` are aware datetimes in the workspace zone. For the
    share rules they are the calendar window; for ``streak`` the first and last post of the
    run; for ``quiet_gap`` the two ends of the silence. Share rules also carry the counts a
    person reads: ``count`` of ``total`` posts, against ``allowed`` (a maximum) or ``needed``
    (a minimum). ``topic`` names what is measured ("promotional in the week of 9 Mar on
    Mastodon"), so two evaluations of the same warning can be shown as before -> after.
    """

    rule: str
    severity: str
    channel_id: int | None
    category: str | None
    window_start: datetime
    window_end: datetime
    actual: Fraction | int | float
    limit: Fraction | int | float
    post_ids: tuple[int, ...]
    message: str
    allowed: int | None = None
    needed: int | None = None
    count: int | None = None
    total: int | None = None
    topic: str = ""

    @property
    def key(self) -> tuple[Any, ...]:
        """Return the share rules' identity (rule, place, window); runs and gaps add their span.

        Two streaks are the same warning when their runs share a post, and two quiet gaps when
        they overlap on the same channel: ``same_warning`` knows this, a tuple cannot.
        """
        if self.rule == "streak":
            return (self.rule, self.channel_id, self.category, self.post_ids)
        if self.rule == "quiet_gap":
            return (self.rule, self.channel_id, self.window_start, self.window_end)
        return (self.rule, self.channel_id, self.category, self.window_start, self.window_end)

    @property
    def ident(self) -> str:
        """Return the ``key`` of the JSON form, a string that names the warning's place.

        Share warnings: rule, channel, category and window. A streak is named by its first
        post and a gap by its start, which is what a page anchors on; previews still pair
        runs by a shared post and gaps by overlap (``same_warning``).
        """
        channel = _channel(self.channel_id)
        if self.rule == "streak":
            first = self.post_ids[0] if self.post_ids else 0
            return f"streak:{channel}:{self.category}:{first}"
        if self.rule == "quiet_gap":
            return f"quiet_gap:{channel}:{self.window_start.isoformat(timespec='seconds')}"
        kind = "week" if (self.window_end - self.window_start).days <= 7 else "month"
        day = self.window_start.date().isoformat()
        return f"{self.rule}:{channel}:{self.category}:{kind}:{day}"

    @property
    def figure(self) -> str:
        """Return the numbers a person compares: "3 of 6, allows 1" or "9 days, allows 7"."""
        if self.rule == "max_share":
            return f"{self.count} of {self.total}, allows {self.allowed}"
        if self.rule == "min_share":
            return f"{self.count} of {self.total}, needs {self.needed}"
        if self.rule == "streak":
            return f"{self.actual} in a row, allows {self.limit}"
        # Worded as the message is, so a gap that moves by an hour reads the same.
        return f"{wording.days(self.window_end - self.window_start)}, allows {self.limit}"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape: local ISO 8601 times with offset, plain numbers, a list of ids."""
        return {
            "key": self.ident,
            "rule": self.rule,
            "severity": self.severity,
            "channel_id": self.channel_id,
            "category": self.category,
            "window_start": self.window_start.isoformat(timespec="seconds"),
            "window_end": self.window_end.isoformat(timespec="seconds"),
            "actual": _number(self.actual),
            "limit": _number(self.limit),
            "allowed": self.allowed,
            "needed": self.needed,
            "count": self.count,
            "total": self.total,
            "post_ids": list(self.post_ids),
            "message": self.message,
            "topic": self.topic,
            "figure": self.figure,
        }


def same_warning(a: GuardrailWarning, b: GuardrailWarning) -> bool:
    """Tell whether *a* and *b* are one warning seen twice, whatever their numbers.

    Share warnings match on rule, channel, category and window; a streak matches a run of the
    same category on the same channel that shares a post with it; a quiet gap matches a gap
    on the same channel that overlaps it.
    """
    if (a.rule, a.channel_id, a.category) != (b.rule, b.channel_id, b.category):
        return False
    if a.rule == "streak":
        return not set(a.post_ids).isdisjoint(b.post_ids)
    if a.rule == "quiet_gap":
        return a.window_start < b.window_end and b.window_start < a.window_end
    return a.key == b.key


def sort_key(warning: GuardrailWarning) -> tuple[Any, ...]:
    """Order warnings by window start, rule, channel (channel-less last) and category."""
    channel = (1, 0) if warning.channel_id is None else (0, warning.channel_id)
    return (
        warning.window_start,
        warning.rule,
        channel,
        warning.category or "",
        warning.window_end,
        warning.post_ids,
    )
