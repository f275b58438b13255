"""Plain-English pieces of warning messages, written for a shop owner rather than a developer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from fractions import Fraction

# Fixed English names: strftime would follow the server's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NO_CHANNEL = "posts without a channel"
# How a message names whoever set a limit: the preset a person picked, else their own number.
PRESET_LABELS = {"80-20": "80/20", "thirds": "the thirds rule"}
YOUR_LIMIT = "your limit"


def day_label(moment: datetime) -> str:
    """Return a local date as "9 Mar"."""
    return f"{moment.day} {MONTHS[moment.month - 1][:3]}"


def window_label(kind: str, start: datetime) -> str:
    """Return "Week of 9 Mar" for a week and "March 2026" for a month."""
    if kind == "week":
        return f"Week of {day_label(start)}"
    return f"{MONTHS[start.month - 1]} {start.year}"


def window_phrase(kind: str, start: datetime) -> str:
    """Return "in the week of 9 Mar" for a week and "in March 2026" for a month."""
    if kind == "week":
        return f"in the week of {day_label(start)}"
    return f"in {MONTHS[start.month - 1]} {start.year}"


def percent(share: Fraction) -> str:
    """Return a share as "20%", or with one decimal ("22.2%") when it is not whole."""
    value = share * 100
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"{float(value):.1f}".rstrip("0").rstrip(".") + "%"


def channel_name(channel_id: int | None, names: Mapping[int, str]) -> str:
    """Return the channel's display name, falling back to "channel 3"."""
    if channel_id is None:
        return NO_CHANNEL
    return names.get(channel_id) or f"channel {channel_id}"


def place(channel_id: int | None, names: Mapping[int, str]) -> str:
    """Return where the posts are: "on Mastodon", or "among posts without a channel"."""
    if channel_id is None:
        return f"among {NO_CHANNEL}"
    return f"on {channel_name(channel_id, names)}"


def among(channel_id: int | None, names: Mapping[int, str]) -> str:
    """Return which posts are counted: "on Mastodon", or "without a channel"."""
    if channel_id is None:
        return "without a channel"
    return f"on {channel_name(channel_id, names)}"


def share_count(
    count: int, total: int, category: str, channel: str, window: str, verb: str = ""
) -> str:
    """Return "2 of 7 posts on Crumb in the week of 9 Mar are promotional" (or "is" for one)."""
    noun = "post" if total == 1 else "posts"
    be = "is" if count == 1 else "are"
    return f"{verb}{count} of {total} {noun} {channel} {window} {be} {category}"


def allowance(count: int) -> str:
    """Return how many posts a limit lets through: "none", "1", "2"."""
    return "none" if count == 0 else str(count)


def posts(count: int) -> str:
    """Return "1 post" or "3 posts"."""
    return f"{count} post" if count == 1 else f"{count} posts"


def days(span: timedelta) -> str:
    """Return a span as whole days: "9 days", or "over 7 days" when part of a day is left over."""
    whole = span.days
    text = "1 day" if whole == 1 else f"{whole} days"
    return text if span == timedelta(days=whole) else f"over {text}"


def sentence(text: str) -> str:
    """Return *text* with its first letter capitalised, leaving the rest (names) alone."""
    return text[:1].upper() + text[1:]
