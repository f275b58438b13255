"""Query-string ranges for the API: ``start``/``end`` read once, checked and capped here."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import request

from planner.services.errors import BadRequest
from planner.timeutils import month_window, parse_iso_instant, to_local, utcnow

# The widest ranges one request may ask for (see the README's API section).
MAX_GUARDRAIL_DAYS = 403  # 13 months: evaluating guardrails costs memory per week and month
MAX_EXPORT_DAYS = 1096  # three years of posts in one CSV


def _instants(tz: ZoneInfo) -> dict[str, datetime]:
    """The ``start`` and ``end`` given (ISO 8601; local to *tz* without an offset)."""
    fields: dict[str, str] = {}
    values: dict[str, datetime] = {}
    for name in ("start", "end"):
        raw = request.args.get(name)
        if raw:
            try:
                values[name] = parse_iso_instant(raw, tz)
            except ValueError as exc:
                fields[name] = str(exc)
    if fields:
        raise BadRequest("Check the query parameters listed.", fields=fields)
    return values


def query_range(
    tz: ZoneInfo, *, max_days: int, required: bool = True
) -> tuple[datetime | None, datetime | None]:
    """Read [start, end) from the query, at most *max_days* apart.

    With *required*, both or neither must be given and neither means this month; otherwise
    either may be left open.
    """
    values = _instants(tz)
    start, end = values.get("start"), values.get("end")
    if required and start is None and end is None:
        lo, hi = month_window(to_local(utcnow(), tz).date(), tz)
        return lo, hi
    if required and (start is None or end is None):
        missing = "start" if start is None else "end"
        raise BadRequest(
            "Give both start and end, or neither.", fields={missing: "Required with the other."}
        )
    if start is not None and end is not None:
        if end <= start:
            raise BadRequest("end must be after start.", fields={"end": "Must be after start."})
        if end - start > timedelta(days=max_days):
            message = f"Ask for at most {max_days} days at a time."
            raise BadRequest(message, fields={"end": message})
    return start, end
