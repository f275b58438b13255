"""Buffer's layout: Text, Image URL, Tags, Posting Time, one channel per file."""

from __future__ import annotations

from planner.csvformats.rows import (
    CATEGORIES,
    SourceFile,
    SourceRow,
    cell,
    parse_moment,
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

BUFFER_COLUMNS = {"text": "body", "image url": "image", "tags": "tags", "posting time": "when"}


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
    found = records(text, delimiter)
    _line, header = first_record(found)
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i, raw in enumerate(header):
        key = BUFFER_COLUMNS.get(header_name(raw))
        if key and key not in index:
            index[key], labels[key] = i, raw.replace("\ufeff", "").strip()
    missing = [n for n, k in (("Text", "body"), ("Posting Time", "when")) if k not in index]
    if missing:
        raise FileError(
            "The first row must name Buffer's columns Text, Image URL, Tags and Posting Time. "
            f"Missing: {', '.join(missing)}."
        )
    rows = []
    for line, cells in found:
        limit_rows(len(rows) + 1)
        row = SourceRow(line=line, body=cell(cells, index["body"]))
        parse_moment(
            cell(cells, index["when"]), labels["when"], "%Y-%m-%d %H:%M", "YYYY-MM-DD HH:mm", row
        )
        row.category = category_from_tags(cell(cells, index.get("tags")))
        row.image_urls = split_urls(cell(cells, index.get("image")))
        rows.append(row)
    columns = {
        "scheduled_at": labels["when"],
        "body": labels["body"],
        "category": labels.get("tags", "Tags"),
        "channel_ids": "channel",
        "link": labels["body"],
        "media": labels.get("image", "Image URL"),
    }
    return SourceFile(rows=rows, columns=columns)
