"""Time zones, DST and calendar windows: the one module that knows about them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Every instant planner accepts lies in [EARLIEST, LATEST): wide enough for any plan, and far
# enough from year 1 and 9999 that a zone offset or a year's horizon never overflows a datetime.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
OUT_OF_SPAN = "Choose a time between 1970 and 2200."


def in_span(value: datetime) -> bool:
    """Tell whether the instant *value* lies in the span planner accepts."""
    return EARLIEST <= as_utc(value) < LATEST


def day_in_span(day: date) -> bool:
    """Tell whether the calendar *day* lies in the span planner accepts (a day's margin each end)."""
    return EARLIEST.date() < day < LATEST.date() - timedelta(days=31)


def utcnow() -> datetime:
    """Return the current time in UTC; the only call to the wall clock in planner."""
    return datetime.now(UTC)


def get_zone(name: str) -> ZoneInfo:
    """Return the IANA zone called *name*, raising ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone: {name!r}") from exc


def is_valid_zone(name: str) -> bool:
    """Tell whether *name* is an IANA time zone this machine knows."""
    try:
        get_zone(name)
    except ValueError:
        return False
    return True


def zone_names() -> list[str]:
    """Return the sorted IANA zone names, for pickers."""
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


def as_utc(value: datetime) -> datetime:
    """Return *value* as an aware UTC datetime; a naive value is taken to be UTC already.

    Databases such as SQLite hand back naive datetimes for what we stored as UTC.
    """
    tz = value.tzinfo
    if tz is UTC:
        return value  # the common case, and this runs for every row a query reads
    if tz is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local_to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Interpret a naive wall-clock *local* time in *tz* and return it in UTC.

    In the repeated hour of a DST fall-back the first occurrence wins (fold=0); a time in
    the skipped hour of a spring-forward is moved forward by the gap, as a clock would.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    # PEP 495: fold=0 takes the offset in force before a transition, which gives exactly this.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def combine_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of wall-clock *at* on *day* in *tz*."""
    return local_to_utc(datetime.combine(day, at), tz)


def to_local(value: datetime, tz: ZoneInfo) -> datetime:
    """Return the aware local time of a UTC (or naive-UTC) *value* in *tz*."""
    return as_utc(value).astimezone(tz)


@lru_cache(maxsize=8192)
def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return the aware local start of *day* in *tz* (00:00, or the first valid time).

    Cached: the rule engine asks for the same few window edges thousands of times a request.
    """
    return combine_local(day, time(0, 0), tz).astimezone(tz)


def week_start(day: date) -> date:
    """Return the Monday of the calendar week holding *day*."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    """Return the first day of the month holding *day*."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """Return the first day of the month after the one holding *day*."""
    first = month_start(day)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def prev_month(day: date) -> date:
    """Return the first day of the month before the one holding *day*."""
    return month_start(month_start(day) - timedelta(days=1))


def week_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [Monday 00:00, next Monday 00:00) of *day*'s week as aware local datetimes."""
    monday = week_start(day)
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)


def month_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [1st 00:00, next 1st 00:00) of *day*'s month as aware local datetimes."""
    first = month_start(day)
    return local_midnight(first, tz), local_midnight(next_month(first), tz)


def quarter_start(day: date) -> date:
    """Return the first day of the calendar quarter holding *day* (1 Jan, Apr, Jul or Oct)."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [first 00:00, next quarter's first 00:00) of *day*'s quarter, local and aware."""
    first = quarter_start(day)
    return local_midnight(first, tz), local_midnight(next_month(next_month(next_month(first))), tz)


def day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [00:00, next 00:00) of *day* as aware local datetimes."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def weeks_between(
    start: datetime, end: datetime, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Yield every local calendar week window that intersects the instant range [start, end)."""
    day = to_local(start, tz).date()
    lo, hi = week_window(day, tz)
    while lo < as_utc(end):
        yield lo, hi
        lo, hi = week_window(hi.date(), tz)


def months_between(
    start: datetime, end: datetime, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Yield every local calendar month window that intersects the instant range [start, end)."""
    day = to_local(start, tz).date()
    lo, hi = month_window(day, tz)
    while lo < as_utc(end):
        yield lo, hi
        lo, hi = month_window(hi.date(), tz)


def month_grid(first: date) -> list[list[date]]:
    """Return the Monday-first weeks (lists of 7 dates) covering the month of *first*."""
    start = week_start(month_start(first))
    end = next_month(first)
    weeks: list[list[date]] = []
    day = start
    while day < end:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    return weeks


def parse_iso_instant(text: str, tz: ZoneInfo) -> datetime:
    """Parse ISO 8601 *text*; with an offset it is exact, without one it is local time in *tz*.

    Returns an aware UTC datetime within [EARLIEST, LATEST); raises ``ValueError`` with a
    readable message otherwise.
    """
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(
            f"Not an ISO 8601 date-time: {text!r} (expected e.g. 2026-03-10T09:00 or ...+01:00)"
        ) from exc
    if not day_in_span(value.date()):
        raise ValueError(OUT_OF_SPAN)
    value = local_to_utc(value, tz) if value.tzinfo is None else value.astimezone(UTC)
    if not in_span(value):
        raise ValueError(OUT_OF_SPAN)
    return value


def parse_day(text: str) -> date:
    """Parse an ISO date (YYYY-MM-DD) within the span planner accepts; ``ValueError`` otherwise."""
    day = date.fromisoformat(text.strip())
    if not day_in_span(day):
        raise ValueError("Choose a date between 1970 and 2200.")
    return day


def parse_month(text: str) -> date:
    """Parse YYYY-MM into the month's first day within the accepted span; ``ValueError`` otherwise."""
    year, sep, month = text.strip().partition("-")
    if not sep or not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        raise ValueError("Give the month as YYYY-MM.")
    first = date(int(year), int(month), 1)
    if not day_in_span(first):
        raise ValueError("Choose a month between 1970 and 2200.")
    return first


def iso_utc(value: datetime | None) -> str | None:
    """Format an instant as ISO 8601 UTC with a ``Z`` suffix."""
    if value is None:
        return None
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(value: datetime | None, tz: ZoneInfo) -> str | None:
    """Format an instant as ISO 8601 in *tz*, with its offset."""
    if value is None:
        return None
    return to_local(value, tz).isoformat(timespec="seconds")
