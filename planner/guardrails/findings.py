"""Guardrail warnings: one finding of one rule, in the shape the web layer shows and stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any


def _number(value: Fraction | int | float) -> int | float:
    """Return *value* as a JSON number: integers stay exact, the rest is rounded to 4 places."""
    if isinstance(value, int):
        return value
    return round(float(value), 4)


@dataclass(frozen=True)
class GuardrailWarning:
    """A rule that a stretch of the calendar breaks, with the posts that break it.

    ``window_start`` and ``window_end`` are aware datetimes in the workspace zone. For the
    share rules they are the calendar window; for ``streak`` the first and last post of the
    run; for ``quiet_gap`` the two ends of the silence.
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

    @property
    def key(self) -> tuple[Any, ...]:
        """Return what identifies the finding across two evaluations, whatever its numbers."""
        if self.rule == "streak":
            return (self.rule, self.channel_id, self.category, self.post_ids)
        if self.rule == "quiet_gap":
            return (self.rule, self.channel_id, self.window_start, self.window_end)
        return (self.rule, self.channel_id, self.category, self.window_start, self.window_end)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape: local ISO 8601 times with offset, plain numbers, a list of ids."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "channel_id": self.channel_id,
            "category": self.category,
            "window_start": self.window_start.isoformat(timespec="seconds"),
            "window_end": self.window_end.isoformat(timespec="seconds"),
            "actual": _number(self.actual),
            "limit": _number(self.limit),
            "post_ids": list(self.post_ids),
            "message": self.message,
        }


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
