"""A file's rows as plain values, and the readers of single cells that note what is wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from planner.models import Category
from planner.timeutils import day_in_span

CATEGORIES = tuple(c.value for c in Category)
CHANNEL_SEPARATORS = re.compile(r"[;|]")
# Spreadsheet apps run a cell starting with one of these as a formula: exports escape them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
URL_SEPARATORS = re.compile(r"[\s,;|]+")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value of a row, by the column's name in the file."""

    column: str
    message: str


@dataclass
class SourceRow:
    """One row of a file as plain values; ``local`` is a naive wall-clock time (None: an idea).

    ``category`` is a category name or None (use the default chosen at upload); ``channels``
    holds channel names as written, or None when the file does not say (use the upload's).
    """

    line: int
    body: str
    local: datetime | None = None
    category: str | None = None
    channels: tuple[str, ...] | None = None
    channels_text: str = ""
    link: str | None = None
    image_urls: tuple[str, ...] = ()  # images to download at preview time, in order
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class SourceFile:
    """A read file: its rows, the column name for each field, and notes about the whole file."""

    rows: list[SourceRow]
    columns: dict[str, str]
    notices: list[str] = field(default_factory=list)


def _unescape(cell: str) -> str:
    """Undo the apostrophe an export puts before a cell that a spreadsheet would run."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def cell(cells: Sequence[str], index: int | None) -> str:
    """The cell at *index* as exported text, or "" when the column is absent or the row short."""
    if index is None or index >= len(cells):
        return ""
    return _unescape(cells[index])


def split_urls(raw: str) -> tuple[str, ...]:
    """The image addresses in one cell: separated by spaces, commas, semicolons or bars."""
    raw = raw.strip()
    if not raw:  # most rows carry no image, or the file has no such column
        return ()
    return tuple(u for u in URL_SEPARATORS.split(raw) if u)


def parse_category(raw: str, column: str, row: SourceRow) -> None:
    """Set the row's category from a cell, or note that the cell names none of them."""
    value = raw.strip().lower()
    if not value:
        return
    if value in CATEGORIES:
        row.category = value
    else:
        row.problems.append(
            Problem(
                column,
                f"“{raw.strip()}” is not a category: use promotional, educational, "
                "conversational or curated.",
            )
        )


def parse_channels(raw: str, row: SourceRow) -> None:
    """Channel names separated by ``;`` or ``|``; an empty cell leaves the upload's choice."""
    text = raw.strip()
    if not text:
        return
    row.channels_text = text
    row.channels = tuple(n.strip() for n in CHANNEL_SEPARATORS.split(text) if n.strip())


def parse_date(raw: str, column: str, row: SourceRow) -> date | None:
    """Read an ISO date, or note on *row* how to write one."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        day = None
    if day is not None and not day_in_span(day):
        row.problems.append(Problem(column, f"“{raw.strip()}”: choose a date from 1970 to 2199."))
        return None
    if day is None:
        row.problems.append(
            Problem(
                column, f"“{raw.strip()}” is not a date: write it as YYYY-MM-DD, like 2026-03-10."
            )
        )
    return day


def parse_time(raw: str, column: str, row: SourceRow) -> time | None:
    """Read HH:MM (seconds allowed and dropped), or note on *row* how to write it."""
    match = TIME.match(raw.strip())
    if match:
        hour, minute, second = (int(g or 0) for g in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute)
    row.problems.append(
        Problem(column, f"“{raw.strip()}” is not a time: write it as HH:MM, like 09:30 or 17:45.")
    )
    return None


def parse_moment(raw: str, column: str, pattern: str, label: str, row: SourceRow) -> None:
    """Set ``row.local`` from a date and time in *pattern*, or note that it does not match."""
    text = " ".join(raw.split())
    if not text:
        return
    for candidate in (pattern, pattern + ":%S"):
        try:
            local = datetime.strptime(text, candidate)
        except ValueError:
            continue
        if not day_in_span(local.date()):
            row.problems.append(
                Problem(column, f"“{raw.strip()}”: choose a date from 1970 to 2199.")
            )
        else:
            row.local = local
        return
    row.problems.append(Problem(column, f"“{raw.strip()}” does not match the date format {label}."))
