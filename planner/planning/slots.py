"""Weekly posting times turned into instants: a slot keeps its local time of day across DST."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.timeutils import as_utc, combine_local, to_local


@dataclass(frozen=True)
class WeeklyTime:
    """A channel's recurring posting time: a weekday (0 is Monday) and a local time of day."""

    channel_id: int
    weekday: int
    at: time
    category: str | None = None


@dataclass(frozen=True, order=True)
class Slot:
    """One posting time on the calendar: an aware UTC instant on one channel."""

    at: datetime
    channel_id: int
    category: str | None = None


def slot_times(
    weekly: Iterable[WeeklyTime], tz: ZoneInfo, start: datetime, end: datetime
) -> list[Slot]:
    """Return every slot in [start, end), in time then channel order.

    Each weekly time is placed on the wall clock of each matching local day, so 10:00 stays
    10:00 after the clocks change; a time in a spring-forward gap moves forward as a clock would.
    """
    start, end = as_utc(start), as_utc(end)
    by_weekday: dict[int, list[WeeklyTime]] = {}
    for item in weekly:
        by_weekday.setdefault(item.weekday, []).append(item)
    found: list[Slot] = []
    if end <= start or not by_weekday:
        return found
    day, last = to_local(start, tz).date(), to_local(end, tz).date()
    while day <= last:
        for item in by_weekday.get(day.weekday(), ()):
            at = combine_local(day, item.at, tz)
            if start <= at < end:
                found.append(Slot(at, item.channel_id, item.category))
        day += timedelta(days=1)
    return sorted(found, key=lambda s: (s.at, s.channel_id))
