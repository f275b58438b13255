"""Repeat rules: RFC 5545 RRULE values checked, expanded in local wall time, said in plain words.

A series starts with a post; the rule says when it comes back. The rule is expanded with
``dateutil.rrule`` on the workspace's wall clock (a naive local start), and each occurrence is
then turned into an instant with ``local_to_utc``, so "every Tuesday at 10:00" stays at 10:00
when the clocks change. The post itself is always the first occurrence, and ``COUNT`` counts it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from planner.timeutils import EARLIEST, LATEST, as_utc, local_to_utc, to_local

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
MAX_COUNT = 500
MAX_INTERVAL = 365
# An UNTIL is accepted within planner's one span of years (planner.timeutils), far from
# datetime's limits, so the wall clock of any zone can hold it. Rules stored before this check
# are clamped instead.
YEARS = (EARLIEST.year, LATEST.year)
# The expansion stays a day inside datetime's range, in UTC and on the wall clock alike, so
# turning one into the other (no zone is a day away from UTC) can never overflow.
_EARLIEST = datetime(1, 1, 2)
_LATEST = datetime(9999, 12, 30)

# BYSETPOS, BYYEARDAY and BYWEEKNO are left out: they allow rules that never match, which
# dateutil only notices after walking every year up to 9999.
_KNOWN = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
_TIME_OF_DAY = {"BYHOUR", "BYMINUTE", "BYSECOND"}
_EXAMPLE = "such as FREQ=WEEKLY;BYDAY=TU;COUNT=8"


class RuleError(ValueError):
    """A repeat rule was rejected; ``message`` says why in one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rule:
    """A checked RRULE value; ``text`` is its normal form (upper case, FREQ first, no prefix)."""

    text: str
    parts: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return dict(self.parts).get(key)

    @property
    def count(self) -> int | None:
        value = self.get("COUNT")
        return None if value is None else int(value)

    @property
    def interval(self) -> int:
        return int(self.get("INTERVAL") or 1)

    def until_local(self, tz: ZoneInfo) -> datetime | None:
        """Return UNTIL as a naive wall-clock time in *tz*; a bare date means the end of that day."""
        raw = self.get("UNTIL")
        return None if raw is None else _until_local(raw, tz)

    def with_count(self, count: int | None) -> Rule:
        """Return the rule with COUNT replaced (or dropped when *count* is None)."""
        parts = [(k, v) for k, v in self.parts if k != "COUNT"]
        if count is not None:
            parts.append(("COUNT", str(count)))
        return _rule(parts)


def _rule(parts: list[tuple[str, str]]) -> Rule:
    parts.sort(key=lambda kv: kv[0] != "FREQ")
    return Rule(text=";".join(f"{k}={v}" for k, v in parts), parts=tuple(parts))


def _parse_until(raw: str) -> datetime | date:
    text = raw.upper()
    try:
        if len(text) == 8:
            return datetime.strptime(text, "%Y%m%d").date()
        if text.endswith("Z"):
            return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return datetime.strptime(text, "%Y%m%dT%H%M%S")
    except ValueError:
        raise RuleError(
            "UNTIL must be a date like 20260630 or a time like 20260630T235959."
        ) from None


def _until_local(raw: str, tz: ZoneInfo) -> datetime:
    value = _parse_until(raw)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is not None:
        return _wall_clock(value, tz)
    return min(max(value, _EARLIEST), _LATEST)


def _wall_clock(value: datetime, tz: ZoneInfo) -> datetime:
    """Return the naive wall-clock time of the instant *value* in *tz*, clamped to the range."""
    earliest, latest = _EARLIEST.replace(tzinfo=UTC), _LATEST.replace(tzinfo=UTC)
    return to_local(min(max(value, earliest), latest), tz).replace(tzinfo=None)


def _whole(value: str, key: str, low: int, high: int) -> str:
    if not value.isdigit() or not low <= int(value) <= high:
        raise RuleError(f"{key} must be a whole number from {low} to {high}.")
    return str(int(value))


def parse_rule(text: object, *, stored: bool = False) -> Rule:
    """Check an RRULE value (an optional ``RRULE:`` prefix is allowed) and return its normal form.

    Only daily and slower rules are accepted, without a time of day (the post carries it) or a
    DTSTART (the post's time is the start). Raises ``RuleError`` with a plain message. A
    *stored* rule may keep an UNTIL outside ``YEARS`` (saved before that limit existed):
    the expansion clamps it.
    """
    if not isinstance(text, str):
        raise RuleError(f"Give the rule as text, {_EXAMPLE}.")
    raw = text.strip()
    if raw.upper().startswith("RRULE:"):
        raw = raw[len("RRULE:") :]
    if not raw:
        raise RuleError(f"Give a rule {_EXAMPLE}.")
    parts: dict[str, str] = {}
    for item in raw.split(";"):
        key, sep, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise RuleError(f"Write the rule as NAME=VALUE pairs separated by ';', {_EXAMPLE}.")
        if key in parts:
            raise RuleError(f"{key} appears twice.")
        if key == "DTSTART":
            raise RuleError("Leave DTSTART out: the post's own date and time start the series.")
        if key in _TIME_OF_DAY:
            raise RuleError(f"Leave {key} out: the post's own time is used for every repeat.")
        if key not in _KNOWN:
            raise RuleError(f"{key} is not a rule part planner understands.")
        parts[key] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("Give COUNT or UNTIL, not both.")
    if "COUNT" in parts:
        parts["COUNT"] = _whole(parts["COUNT"], "COUNT", 1, MAX_COUNT)
    if "INTERVAL" in parts:
        parts["INTERVAL"] = _whole(parts["INTERVAL"], "INTERVAL", 1, MAX_INTERVAL)
    if "UNTIL" in parts:
        until, (low, high) = _parse_until(parts["UNTIL"]), YEARS
        if not (stored or low <= until.year <= high):
            raise RuleError(f"UNTIL must be a date from {low} to {high}.")
    rule = _rule(list(parts.items()))
    try:
        _dateutil(rule, datetime(2000, 1, 3, 12, 0), ZoneInfo("UTC"))
    except (ValueError, TypeError) as exc:
        raise RuleError(f"The rule is not valid: {exc}.") from None
    return rule


# The longest each month can be (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _has_a_day(parts: Mapping[str, str]) -> bool:
    """Tell whether BYMONTH and BYMONTHDAY name at least one real day.

    dateutil looks for a day such as 30 February in every year up to 9999, seconds of CPU,
    before it finds there is none; this answers at once.
    """
    if "BYMONTHDAY" not in parts:
        return True
    try:
        months = [int(m) for m in parts.get("BYMONTH", "1,2,3,4,5,6,7,8,9,10,11,12").split(",")]
        days = [abs(int(d)) for d in parts["BYMONTHDAY"].split(",")]
    except ValueError:
        return True  # dateutil has already refused anything it cannot read
    return any(1 <= m <= 12 and 1 <= d <= _MONTH_DAYS[m - 1] for m in months for d in days)


def _dateutil(rule: Rule, start_local: datetime, tz: ZoneInfo) -> rrule:
    """Build dateutil's rule on the naive wall clock; COUNT is left to ``occurrences``.

    Every rule gets an UNTIL no later than ``_LATEST``, so no occurrence it yields can overflow
    when turned into an instant.
    """
    parts = [(k, v) for k, v in rule.parts if k not in ("COUNT", "UNTIL")]
    until = rule.until_local(tz) or _LATEST
    # isoformat, not strftime: strftime writes the year 1 as "1", which dateutil cannot read.
    parts.append(("UNTIL", until.isoformat(timespec="seconds").replace("-", "").replace(":", "")))
    return rrulestr(";".join(f"{k}={v}" for k, v in parts), dtstart=start_local)


def occurrences(
    rule: Rule, start_local: datetime, tz: ZoneInfo, *, before: datetime
) -> Iterator[tuple[int, datetime]]:
    """Yield (number, UTC instant) for each occurrence earlier than *before*, first one numbered 0.

    The start itself is occurrence 0 even when the rule would not pick that day; COUNT counts it.
    """
    before = as_utc(before)
    count = rule.count
    if not _representable(start_local):
        return
    first = local_to_utc(start_local, tz)
    if first >= before:
        return
    yield 0, first
    number = 1
    # Local and UTC order agree except inside a fall-back hour, so stop a day past the bound.
    stop_local = _wall_clock(before, tz) + timedelta(days=1)
    for local in _dateutil(rule, start_local, tz):
        if count is not None and number >= count:
            return
        if local > stop_local:
            return
        if local <= start_local:
            continue
        at = local_to_utc(local, tz)
        if at >= before:
            continue
        yield number, at
        number += 1


def _representable(local: datetime) -> bool:
    """Tell whether a wall-clock time is one whose instant exists in every zone."""
    return _EARLIEST <= local <= _LATEST


def has_more_after(rule: Rule, start_local: datetime, tz: ZoneInfo, *, after: datetime) -> bool:
    """Tell whether the series has an occurrence later than *after* (false once it has ended)."""
    after = as_utc(after)
    count = rule.count
    if not _representable(start_local):
        return False
    if local_to_utc(start_local, tz) > after:
        return True
    if not _has_a_day(dict(rule.parts)):
        return False
    number = 1
    for local in _dateutil(rule, start_local, tz):
        if count is not None and number >= count:
            return False
        if local <= start_local:
            continue
        if local_to_utc(local, tz) > after:
            return True
        number += 1
    return False


def _ordinal_day(day: int) -> str:
    if day == -1:
        return "the last day"
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"the {day}{suffix}"


def _names(days: list[str]) -> str:
    return days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]


def _every(unit: str, interval: int) -> str:
    return f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"


def _byday(value: str) -> list[tuple[int | None, int]]:
    """Return BYDAY as (ordinal or None, weekday 0-6) pairs."""
    found = []
    for item in value.split(","):
        code, head = item[-2:], item[:-2]
        found.append((int(head) if head else None, WEEKDAY_CODES.index(code)))
    return found


def describe(rule: Rule, start_local: datetime, tz: ZoneInfo | None = None) -> str:
    """Say the rule in plain words: "Every week on Tuesday at 10:00, 8 times"."""
    freq, interval = rule.get("FREQ"), rule.interval
    extra = {k for k, _ in rule.parts} - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"}
    byday = _byday(rule.get("BYDAY")) if rule.get("BYDAY") else []
    if freq == "DAILY" and not extra:
        words = _every("day", interval)
    elif freq == "WEEKLY" and extra <= {"BYDAY"} and all(n is None for n, _ in byday):
        days = sorted({d for _, d in byday} or {start_local.weekday()})
        words = f"{_every('week', interval)} on {_names([WEEKDAY_NAMES[d] for d in days])}"
    elif freq == "MONTHLY" and extra == {"BYDAY"} and all(n in ORDINALS for n, _ in byday):
        days = [f"{ORDINALS[n]} {WEEKDAY_NAMES[d]}" for n, d in byday]  # type: ignore[index]
        words = f"{_every('month', interval)} on the {_names(days)}"
    elif freq == "MONTHLY" and extra <= {"BYMONTHDAY"}:
        raw = rule.get("BYMONTHDAY")
        days = [int(d) for d in raw.split(",")] if raw else [start_local.day]
        words = f"{_every('month', interval)} on {_names([_ordinal_day(d) for d in days])}"
    elif freq == "YEARLY" and not extra:
        words = f"{_every('year', interval)} on {start_local.day} {start_local:%B}"
    else:
        words = f"Repeats by the rule {rule.text}"
    words += f" at {start_local:%H:%M}"
    if rule.count is not None:
        words += ", once" if rule.count == 1 else f", {rule.count} times"
    elif rule.get("UNTIL"):
        until = rule.until_local(tz or ZoneInfo("UTC"))
        assert until is not None
        words += f", until {until.day} {until:%B %Y}"
    return words


def build_rule(
    kind: str,
    *,
    weekdays: list[int] | None = None,
    interval: int = 1,
    nth: int = 1,
    weekday: int = 0,
    until: date | None = None,
    count: int | None = None,
) -> Rule | None:
    """Build a rule from the composer's choices: none, weekly, every N weeks or monthly."""
    if kind == "none":
        return None
    if kind in ("weekly", "weeks"):
        parts = [("FREQ", "WEEKLY")]
        if kind == "weeks" and interval > 1:
            parts.append(("INTERVAL", str(interval)))
        if weekdays:
            parts.append(("BYDAY", ",".join(WEEKDAY_CODES[d] for d in sorted(set(weekdays)))))
    elif kind == "monthly":
        parts = [("FREQ", "MONTHLY"), ("BYDAY", f"{nth}{WEEKDAY_CODES[weekday]}")]
    else:
        raise RuleError(f"Unknown kind of repeat: {kind}.")
    if count is not None:
        parts.append(("COUNT", str(count)))
    elif until is not None:
        parts.append(("UNTIL", f"{until:%Y%m%d}T235959"))
    return parse_rule(";".join(f"{k}={v}" for k, v in parts))


def form_values(rule: Rule, tz: ZoneInfo) -> Mapping[str, object]:
    """Return the composer's choices that rebuild *rule*, best effort (``custom`` otherwise)."""
    freq, byday = rule.get("FREQ"), rule.get("BYDAY")
    values: dict[str, object] = {"kind": "custom", "interval": rule.interval}
    keys = {k for k, _ in rule.parts} - {"COUNT", "UNTIL"}
    days = _byday(byday) if byday else []
    if (
        freq == "WEEKLY"
        and keys <= {"FREQ", "INTERVAL", "BYDAY"}
        and all(n is None for n, _ in days)
    ):
        values["kind"] = "weeks" if rule.interval > 1 else "weekly"
        values["weekdays"] = [d for _, d in days]
    elif freq == "MONTHLY" and keys == {"FREQ", "BYDAY"} and len(days) == 1 and days[0][0]:
        values.update(kind="monthly", nth=days[0][0], weekday=days[0][1])
    if rule.count is not None:
        values.update(ends="count", count=rule.count)
    elif rule.get("UNTIL"):
        until = rule.until_local(tz)
        values.update(ends="until", until=until.date() if until else None)
    else:
        values["ends"] = "never"
    return values
