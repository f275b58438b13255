"""Calendar windows the rules judge: local weeks and months, and the spans a caller must load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.timeutils import (
    as_utc,
    month_window,
    months_between,
    to_local,
    week_window,
    weeks_between,
)

WindowKey = tuple[str, date]

_INSTANT = timedelta(microseconds=1)


def window_keys(local_day: date) -> tuple[WindowKey, WindowKey]:
    """Return the keys of the week (its Monday) and month (its 1st) holding *local_day*."""
    return (
        ("week", local_day - timedelta(days=local_day.weekday())),
        ("month", local_day.replace(day=1)),
    )


@dataclass(frozen=True)
class Window:
    """A local calendar week or month, [start, end) as aware datetimes in the workspace zone."""

    kind: str
    start: datetime
    end: datetime

    @property
    def key(self) -> WindowKey:
        """Return the key posts are bucketed under: the kind and the local first day."""
        return (self.kind, self.start.date())


def windows_between(tz: ZoneInfo, start: datetime, end: datetime) -> list[Window]:
    """Return every week, then every month, that intersects [start, end); none if it is empty."""
    if as_utc(end) <= as_utc(start):
        return []
    weeks = [Window("week", lo, hi) for lo, hi in weeks_between(start, end, tz)]
    months = [Window("month", lo, hi) for lo, hi in months_between(start, end, tz)]
    return weeks + months


def _windows_of(tz: ZoneInfo, instant: datetime) -> tuple[datetime, datetime]:
    """Return the union of the week and month windows holding *instant*, in UTC."""
    day = to_local(instant, tz).date()
    week, month = week_window(day, tz), month_window(day, tz)
    return as_utc(min(week[0], month[0])), as_utc(max(week[1], month[1]))


def load_span(tz: ZoneInfo, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Return the UTC span whose posts a caller must load to evaluate [start, end) exactly.

    It runs from the start of the earliest week or month window intersecting the range to
    the end of the latest one, so every share is computed over whole windows. A streak run
    that reaches beyond this span is cut at its edge: load a wider span to see all of it.
    """
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return start, start
    return _windows_of(tz, start)[0], _windows_of(tz, end - _INSTANT)[1]


def affected_span(tz: ZoneInfo, *instants: datetime) -> tuple[datetime, datetime]:
    """Return the UTC span covering the week and month windows of each instant of a what-if.

    A post moving from A to B can only change the windows holding A and B, so a preview
    needs to evaluate this span (and load ``load_span`` of it) rather than the whole calendar.
    """
    if not instants:
        raise ValueError("affected_span needs at least one instant")
    spans = [_windows_of(tz, instant) for instant in instants]
    return min(lo for lo, _ in spans), max(hi for _, hi in spans)
