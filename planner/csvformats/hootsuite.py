"""Hootsuite's bulk composer file: date and time, message, optional link, header optional."""

from __future__ import annotations

from collections.abc import Sequence

from planner.csvformats.rows import SourceFile, SourceRow, cell, parse_moment
from planner.csvformats.text import (
    FileError,
    first_record,
    header_name,
    limit_rows,
    records,
    sniff_delimiter,
)

# Hootsuite's bulk composer lets people pick the date layout of the file when they upload it.
DATE_FORMATS = {
    "mm/dd/yyyy hh:mm": "%m/%d/%Y %H:%M",
    "dd/mm/yyyy hh:mm": "%d/%m/%Y %H:%M",
    "yyyy-mm-dd hh:mm": "%Y-%m-%d %H:%M",
}


def _looks_like_header(cells: Sequence[str]) -> bool:
    names = [header_name(c) for c in cells]
    return bool(names) and (
        "date" in names[0] or any(n in ("message", "text", "link", "url") for n in names)
    )


def read_hootsuite(text: str, date_format: str) -> SourceFile:
    """Read a Hootsuite bulk file: date and time, message, optional link; a header is optional."""
    if date_format not in DATE_FORMATS:
        raise FileError(f"Choose the date format: {', '.join(DATE_FORMATS)}.")
    pattern = DATE_FORMATS[date_format]
    found = records(text, sniff_delimiter(text))
    first = first_record(found)
    index = {"when": 0, "body": 1, "link": 2}
    labels = {"when": "date and time", "body": "message", "link": "link"}
    pending: list[tuple[int, list[str]]] = []
    if _looks_like_header(first[1]):
        named: dict[str, int] = {}
        for i, raw in enumerate(first[1]):
            name = header_name(raw)
            key = (
                "when"
                if "date" in name or "time" in name
                else "body"
                if name in ("message", "text", "post")
                else "link"
                if name in ("link", "url")
                else None
            )
            if key and key not in named:
                named[key], labels[key] = i, raw.strip()
        if "when" not in named or "body" not in named:
            raise FileError(
                "The first row looks like column names but has no date or message column."
            )
        index = {"link": None, **named}
    else:
        pending.append(first)
    rows = []
    for line, cells in (*pending, *found):
        limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=cell(cells, index["body"]))
        parse_moment(cell(cells, index["when"]), labels["when"], pattern, date_format, row)
        row.link = cell(cells, index["link"]).strip() or None
        rows.append(row)
    columns = {
        "scheduled_at": labels["when"],
        "body": labels["body"],
        "category": "category",
        "channel_ids": "channel",
        "link": labels["link"],
    }
    return SourceFile(rows=rows, columns=columns)
