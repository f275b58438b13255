"""The CSV layouts planner reads (its own, Buffer's, Hootsuite's bulk file) and writes (its own).

Pure functions over text: no database, no Flask. Reading turns a file into rows of plain values
with the line each came from and what is wrong with it; the import service then checks them
against the workspace (channels, lengths, guardrails).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from planner.models import Category
from planner.timeutils import day_in_span

FORMATS = ("template", "buffer", "hootsuite")
FORMAT_LABELS = {
    "template": "Planner's own template",
    "buffer": "Buffer export or bulk upload file",
    "hootsuite": "Hootsuite bulk upload file",
}
TEMPLATE_COLUMNS = ("date", "time", "body", "category", "channels", "link")
# Hootsuite's bulk composer lets people pick the date layout of the file when they upload it.
DATE_FORMATS = {
    "mm/dd/yyyy hh:mm": "%m/%d/%Y %H:%M",
    "dd/mm/yyyy hh:mm": "%d/%m/%Y %H:%M",
    "yyyy-mm-dd hh:mm": "%Y-%m-%d %H:%M",
}
CATEGORIES = tuple(c.value for c in Category)
MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
CHANNEL_SEPARATORS = re.compile(r"[;|]")
# Spreadsheet apps run a cell starting with one of these as a formula: exports escape them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

TEMPLATE_ALIASES = {"text": "body", "message": "body", "url": "link", "channel": "channels"}
BUFFER_COLUMNS = {"text": "body", "image url": "image", "tags": "tags", "posting time": "when"}


class FileError(ValueError):
    """The file as a whole cannot be read (not CSV, missing columns, too many rows)."""


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
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class SourceFile:
    """A read file: its rows, the column name for each field, and notes about the whole file."""

    rows: list[SourceRow]
    columns: dict[str, str]
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateRow:
    """One post in planner's own layout, as exported."""

    date: str
    time: str
    body: str
    category: str
    channels: str
    link: str


def decode(data: bytes) -> tuple[str, list[str]]:
    """Return the file's text and any notice about its encoding.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such; anything
    else is taken to be Windows-1252, which is what older Excel versions save as "CSV".
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise FileError("This file cannot be read as text. Save it as CSV (UTF-8).") from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise FileError("This does not look like a CSV file. Save it as CSV (UTF-8) and try again.")
    return data.decode("cp1252", errors="replace"), [
        "The file was not saved as UTF-8, so it was read as Windows text: check accented letters."
    ]


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) for each non-blank record; quoted newlines stay in cells."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(c.strip() for c in cells):
                yield line, cells
    except csv.Error as exc:
        raise FileError(
            f"Line {start}: this line cannot be read ({exc}). A quote mark may be missing."
        ) from None


def _consistency(text: str, delimiter: str) -> tuple[float, int]:
    """Score a delimiter on the first records: the share with the usual width, and that width."""
    widths = []
    try:
        for _line, cells in _records(text, delimiter):
            widths.append(len(cells))
            if len(widths) >= 50:
                break
    except FileError:
        return 0.0, 0
    if not widths:
        return 0.0, 0
    width, count = Counter(widths).most_common(1)[0]
    return (count / len(widths) if width > 1 else 0.0), width


def sniff_delimiter(text: str, expected: Iterable[str] = ()) -> str:
    """Pick the separator: the one whose first row names the *expected* columns, else the one
    that splits the first rows into the same number of cells."""
    wanted = {e.lower() for e in expected}
    if wanted:
        for delimiter in DELIMITERS:
            first = next(_records(text, delimiter), None)
            if first and wanted <= {_header_name(c) for c in first[1]}:
                return delimiter
    scores = {d: _consistency(text, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    return best if scores[best][0] > 0 else ","


def _header_name(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def _unescape(cell: str) -> str:
    """Undo the apostrophe an export puts before a cell that a spreadsheet would run."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return _unescape(cells[index])


def _limit_rows(count: int) -> None:
    if count > MAX_ROWS:
        raise FileError(
            f"This file has more than {MAX_ROWS:,} rows. Import at most {MAX_ROWS:,} at a time: "
            "split it into smaller files and import each one."
        )


def parse_category(raw: str, column: str, row: SourceRow) -> None:
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


def _parse_date(raw: str, column: str, row: SourceRow) -> date | None:
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


def _parse_time(raw: str, column: str, row: SourceRow) -> time | None:
    match = TIME.match(raw.strip())
    if match:
        hour, minute, second = (int(g or 0) for g in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute)
    row.problems.append(
        Problem(column, f"“{raw.strip()}” is not a time: write it as HH:MM, like 09:30 or 17:45.")
    )
    return None


def _parse_moment(raw: str, column: str, pattern: str, label: str, row: SourceRow) -> None:
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


def _first_record(records: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    first = next(records, None)
    if first is None:
        raise FileError("The file is empty.")
    return first


def read_template(text: str) -> SourceFile:
    """Read planner's own layout: a header naming date, time, body, category, channels, link."""
    delimiter = sniff_delimiter(text, expected=("date", "time", "body"))
    records = _records(text, delimiter)
    _line, header = _first_record(records)
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored = []
    for i, cell in enumerate(header):
        name = _header_name(cell)
        name = TEMPLATE_ALIASES.get(name, name)
        if name in TEMPLATE_COLUMNS and name not in index:
            index[name], labels[name] = i, cell.replace("\ufeff", "").strip()
        elif name:
            ignored.append(cell.strip())
    missing = [c for c in ("date", "time", "body", "category") if c not in index]
    if missing:
        raise FileError(
            "The first row must name the columns date, time, body, category, channels and link. "
            f"Missing: {', '.join(missing)}."
        )
    notices = [f"Columns not imported: {', '.join(ignored)}."] if ignored else []
    rows = []
    for line, cells in records:
        _limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=_cell(cells, index["body"]))
        raw_date, raw_time = (
            _cell(cells, index["date"]).strip(),
            _cell(cells, index["time"]).strip(),
        )
        if raw_date and raw_time:
            day = _parse_date(raw_date, labels["date"], row)
            at = _parse_time(raw_time, labels["time"], row)
            if day and at:
                row.local = datetime.combine(day, at)
        elif raw_date:
            row.problems.append(
                Problem(labels["time"], "Add a time, or clear the date to keep this as an idea.")
            )
        elif raw_time:
            row.problems.append(
                Problem(labels["date"], "Add a date, or clear the time to keep this as an idea.")
            )
        parse_category(_cell(cells, index["category"]), labels["category"], row)
        parse_channels(_cell(cells, index.get("channels")), row)
        row.link = _cell(cells, index.get("link")).strip() or None
        rows.append(row)
    return SourceFile(rows=rows, columns=_columns(labels), notices=notices)


def _columns(labels: dict[str, str]) -> dict[str, str]:
    """Map each post field to the file's column name, for placing errors."""
    return {
        "scheduled_at": labels.get("date", "date"),
        "body": labels.get("body", "body"),
        "category": labels.get("category", "category"),
        "channel_ids": labels.get("channels", "channels"),
        "link": labels.get("link", "link"),
    }


def category_from_tags(tags: str) -> str | None:
    """Return the first category named inside one of Buffer's comma-separated tags."""
    for tag in tags.split(","):
        tag = tag.strip().lower()
        for category in CATEGORIES:
            if category in tag:
                return category
    return None


def read_buffer(text: str) -> SourceFile:
    """Read Buffer's layout: Text, Image URL, Tags, Posting Time (``YYYY-MM-DD HH:mm``)."""
    delimiter = sniff_delimiter(text, expected=("text", "posting time"))
    records = _records(text, delimiter)
    _line, header = _first_record(records)
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = BUFFER_COLUMNS.get(_header_name(cell))
        if key and key not in index:
            index[key], labels[key] = i, cell.replace("\ufeff", "").strip()
    missing = [n for n, k in (("Text", "body"), ("Posting Time", "when")) if k not in index]
    if missing:
        raise FileError(
            "The first row must name Buffer's columns Text, Image URL, Tags and Posting Time. "
            f"Missing: {', '.join(missing)}."
        )
    rows = []
    for line, cells in records:
        _limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=_cell(cells, index["body"]))
        _parse_moment(
            _cell(cells, index["when"]), labels["when"], "%Y-%m-%d %H:%M", "YYYY-MM-DD HH:mm", row
        )
        row.category = category_from_tags(_cell(cells, index.get("tags")))
        if _cell(cells, index.get("image")).strip():
            row.notes.append("The image is left out: planner posts text and links.")
        rows.append(row)
    columns = {
        "scheduled_at": labels["when"],
        "body": labels["body"],
        "category": labels.get("tags", "Tags"),
        "channel_ids": "channel",
        "link": labels["body"],
    }
    return SourceFile(rows=rows, columns=columns)


def _looks_like_header(cells: Sequence[str]) -> bool:
    names = [_header_name(c) for c in cells]
    return bool(names) and (
        "date" in names[0] or any(n in ("message", "text", "link", "url") for n in names)
    )


def read_hootsuite(text: str, date_format: str) -> SourceFile:
    """Read a Hootsuite bulk file: date and time, message, optional link; a header is optional."""
    if date_format not in DATE_FORMATS:
        raise FileError(f"Choose the date format: {', '.join(DATE_FORMATS)}.")
    pattern = DATE_FORMATS[date_format]
    records = _records(text, sniff_delimiter(text))
    first = _first_record(records)
    index = {"when": 0, "body": 1, "link": 2}
    labels = {"when": "date and time", "body": "message", "link": "link"}
    pending: list[tuple[int, list[str]]] = []
    if _looks_like_header(first[1]):
        found: dict[str, int] = {}
        for i, cell in enumerate(first[1]):
            name = _header_name(cell)
            key = (
                "when"
                if "date" in name or "time" in name
                else "body"
                if name in ("message", "text", "post")
                else "link"
                if name in ("link", "url")
                else None
            )
            if key and key not in found:
                found[key], labels[key] = i, cell.strip()
        if "when" not in found or "body" not in found:
            raise FileError(
                "The first row looks like column names but has no date or message column."
            )
        index = {"link": None, **found}
    else:
        pending.append(first)
    rows = []
    for line, cells in (*pending, *records):
        _limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=_cell(cells, index["body"]))
        _parse_moment(_cell(cells, index["when"]), labels["when"], pattern, date_format, row)
        row.link = _cell(cells, index["link"]).strip() or None
        rows.append(row)
    columns = {
        "scheduled_at": labels["when"],
        "body": labels["body"],
        "category": "category",
        "channel_ids": "channel",
        "link": labels["link"],
    }
    return SourceFile(rows=rows, columns=columns)


def read(data: bytes, *, format: str, date_format: str | None = None) -> SourceFile:
    """Read an uploaded file in one of FORMATS; raises ``FileError`` for the file as a whole."""
    if len(data) > MAX_BYTES:
        raise FileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    text, notices = decode(data)
    if not text.strip():
        raise FileError("The file is empty.")
    if format == "template":
        result = read_template(text)
    elif format == "buffer":
        result = read_buffer(text)
    elif format == "hootsuite":
        result = read_hootsuite(text, date_format or "")
    else:
        raise FileError(f"Unknown format; choose one of {', '.join(FORMATS)}.")
    if not result.rows:
        raise FileError("The file has no rows to import below its first line.")
    result.notices[:0] = notices
    return result


def escape(cell: str) -> str:
    """Put an apostrophe before a cell a spreadsheet would run as a formula (reading removes it)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def write_template(rows: Iterable[TemplateRow]) -> str:
    """Return planner's own layout as CSV text (CRLF line ends, as RFC 4180 and Excel expect)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for r in rows:
        writer.writerow(
            [r.date, r.time, escape(r.body), r.category, escape(r.channels), escape(r.link)]
        )
    return out.getvalue()
