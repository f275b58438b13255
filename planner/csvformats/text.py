"""From uploaded bytes to CSV records: the encoding, the separator, and the limits on a file."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator

MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
DELIMITERS = (",", ";", "\t")


class FileError(ValueError):
    """The file as a whole cannot be read (not CSV, missing columns, too many rows)."""


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


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
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


def first_record(found: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """Take the first record, which every layout needs, or say that the file is empty."""
    first = next(found, None)
    if first is None:
        raise FileError("The file is empty.")
    return first


def _consistency(text: str, delimiter: str) -> tuple[float, int]:
    """Score a delimiter on the first records: the share with the usual width, and that width."""
    widths = []
    try:
        for _line, cells in records(text, delimiter):
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
            first = next(records(text, delimiter), None)
            if first and wanted <= {header_name(c) for c in first[1]}:
                return delimiter
    scores = {d: _consistency(text, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    return best if scores[best][0] > 0 else ","


def header_name(cell: str) -> str:
    """A column name as compared: no byte-order mark, lower case, single spaces."""
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def limit_rows(count: int) -> None:
    """Refuse a file once it holds more than MAX_ROWS rows."""
    if count > MAX_ROWS:
        raise FileError(
            f"This file has more than {MAX_ROWS:,} rows. Import at most {MAX_ROWS:,} at a time: "
            "split it into smaller files and import each one."
        )
