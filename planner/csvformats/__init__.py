"""The CSV layouts planner reads (its own, Buffer's, Hootsuite's bulk file) and writes (its own).

Pure functions over text: no database, no Flask. Reading turns a file into rows of plain values
with the line each came from and what is wrong with it; the import service then checks them
against the workspace (channels, lengths, guardrails).
"""

from __future__ import annotations

from planner.csvformats.buffer import BUFFER_COLUMNS, category_from_tags, read_buffer
from planner.csvformats.hootsuite import DATE_FORMATS, read_hootsuite
from planner.csvformats.rows import (
    CATEGORIES,
    CHANNEL_SEPARATORS,
    FORMULA_START,
    TIME,
    Problem,
    SourceFile,
    SourceRow,
    parse_category,
    parse_channels,
)
from planner.csvformats.template import (
    TEMPLATE_ALIASES,
    TEMPLATE_COLUMNS,
    TemplateRow,
    escape,
    read_template,
    write_template,
)
from planner.csvformats.text import (
    DELIMITERS,
    MAX_BYTES,
    MAX_ROWS,
    FileError,
    decode,
    sniff_delimiter,
)

__all__ = [
    "BUFFER_COLUMNS",
    "CATEGORIES",
    "CHANNEL_SEPARATORS",
    "DATE_FORMATS",
    "DELIMITERS",
    "FORMATS",
    "FORMAT_LABELS",
    "FORMULA_START",
    "MAX_BYTES",
    "MAX_ROWS",
    "TEMPLATE_ALIASES",
    "TEMPLATE_COLUMNS",
    "TIME",
    "FileError",
    "Problem",
    "SourceFile",
    "SourceRow",
    "TemplateRow",
    "category_from_tags",
    "decode",
    "escape",
    "parse_category",
    "parse_channels",
    "read",
    "read_buffer",
    "read_hootsuite",
    "read_template",
    "sniff_delimiter",
    "write_template",
]

FORMATS = ("template", "buffer", "hootsuite")
FORMAT_LABELS = {
    "template": "Planner's own template",
    "buffer": "Buffer export or bulk upload file",
    "hootsuite": "Hootsuite bulk upload file",
}


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
