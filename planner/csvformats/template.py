"""Planner's own layout, both ways: read from an upload, written by the export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from planner.csvformats.rows import (
    FORMULA_START,
    Problem,
    SourceFile,
    SourceRow,
    cell,
    parse_category,
    parse_channels,
    parse_date,
    parse_time,
    split_urls,
)
from planner.csvformats.text import (
    FileError,
    first_record,
    header_name,
    limit_rows,
    records,
    sniff_delimiter,
)

TEMPLATE_COLUMNS = ("date", "time", "body", "category", "channels", "link")
TEMPLATE_ALIASES = {
    "text": "body",
    "message": "body",
    "url": "link",
    "channel": "channels",
    "image url": "media_urls",
    "images": "media_urls",
}
# Read when present, never written by the export (its images live in planner, not at a URL).
READ_ONLY_COLUMNS = ("media_urls",)


@dataclass(frozen=True)
class TemplateRow:
    """One post in planner's own layout, as exported."""

    date: str
    time: str
    body: str
    category: str
    channels: str
    link: str


def read_template(text: str) -> SourceFile:
    """Read planner's own layout: a header naming date, time, body, category, channels, link."""
    delimiter = sniff_delimiter(text, expected=("date", "time", "body"))
    found = records(text, delimiter)
    _line, header = first_record(found)
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored = []
    for i, raw in enumerate(header):
        name = header_name(raw)
        name = TEMPLATE_ALIASES.get(name, name)
        if name in (*TEMPLATE_COLUMNS, *READ_ONLY_COLUMNS) and name not in index:
            index[name], labels[name] = i, raw.replace("\ufeff", "").strip()
        elif name:
            ignored.append(raw.strip())
    missing = [c for c in ("date", "time", "body", "category") if c not in index]
    if missing:
        raise FileError(
            "The first row must name the columns date, time, body, category, channels and link. "
            f"Missing: {', '.join(missing)}."
        )
    notices = [f"Columns not imported: {', '.join(ignored)}."] if ignored else []
    rows = []
    for line, cells in found:
        limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=cell(cells, index["body"]))
        raw_date, raw_time = (
            cell(cells, index["date"]).strip(),
            cell(cells, index["time"]).strip(),
        )
        if raw_date and raw_time:
            day = parse_date(raw_date, labels["date"], row)
            at = parse_time(raw_time, labels["time"], row)
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
        parse_category(cell(cells, index["category"]), labels["category"], row)
        parse_channels(cell(cells, index.get("channels")), row)
        row.link = cell(cells, index.get("link")).strip() or None
        row.image_urls = split_urls(cell(cells, index.get("media_urls")))
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
        "media": labels.get("media_urls", "media_urls"),
    }


def escape(value: str) -> str:
    """Put an apostrophe before a cell a spreadsheet would run as a formula (reading removes it)."""
    return "'" + value if value.startswith(FORMULA_START) else value


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
