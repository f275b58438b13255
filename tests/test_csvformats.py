"""Reading and writing CSV layouts, with no database: separators, encodings, escapes, lines."""

from __future__ import annotations

from datetime import datetime

import pytest

from planner import csvformats
from planner.csvformats import FileError, TemplateRow


def test_line_numbers_count_physical_lines_across_quoted_newlines_and_blank_rows() -> None:
    text = (
        "date,time,body,category\n"
        '2026-03-01,09:00,"one\ntwo\nthree",curated\n'
        "\n"
        ",,,\n"
        "2026-03-02,09:00,four,curated\n"
    )
    rows = csvformats.read(text.encode(), format="template").rows
    assert [(r.line, r.body) for r in rows] == [(2, "one\ntwo\nthree"), (7, "four")]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("03/01/2026 09:00;Hello, world; again;https://x.example\n", ";"),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert csvformats.sniff_delimiter(text) == delimiter


def test_header_decides_the_separator_when_bodies_hold_the_other_one() -> None:
    text = "date;time;body;category\n2026-03-01;09:00;a, b, c, d, e;curated\n"
    assert csvformats.sniff_delimiter(text, expected=("date", "time", "body")) == ";"


def test_windows_1252_files_are_read_with_a_notice() -> None:
    data = "date,time,body,category\n2026-03-01,09:00,Café crème,curated\n".encode("cp1252")
    result = csvformats.read(data, format="template")
    assert result.rows[0].body == "Café crème"
    assert "not saved as UTF-8" in result.notices[0]


def test_utf16_with_a_mark_is_read() -> None:
    data = "date\ttime\tbody\tcategory\n2026-03-01\t09:00\tß\tcurated\n".encode("utf-16")
    assert csvformats.read(data, format="template").rows[0].body == "ß"


def test_an_unclosed_quote_names_the_line() -> None:
    text = (
        "date,time,body,category\n2026-03-01,09:00,ok,curated\n"
        + '2026-03-02,09:00,"open'
        + "x" * 200_000
    )
    with pytest.raises(FileError, match="Line 3"):
        csvformats.read(text.encode(), format="template")


def test_template_times_accept_seconds_and_single_digit_hours() -> None:
    text = "date,time,body,category\n2026-03-01,9:05,a,curated\n2026-03-01,17:45:30,b,curated\n"
    rows = csvformats.read(text.encode(), format="template").rows
    assert [r.local for r in rows] == [datetime(2026, 3, 1, 9, 5), datetime(2026, 3, 1, 17, 45)]


def test_half_a_time_is_a_problem_not_an_idea() -> None:
    text = "date,time,body,category\n2026-03-01,,a,curated\n,10:00,b,curated\n"
    rows = csvformats.read(text.encode(), format="template").rows
    assert [(p.column, r.line) for r in rows for p in r.problems] == [("time", 2), ("date", 3)]


def test_header_names_are_forgiving_and_extra_columns_are_noted() -> None:
    text = "Date, Time ,Text,CATEGORY,Notes\n2026-03-01,09:00,a,Curated,mine\n"
    result = csvformats.read(text.encode(), format="template")
    assert result.rows[0].body == "a" and result.rows[0].category == "curated"
    assert result.notices == ["Columns not imported: Notes."]


def test_category_from_tags() -> None:
    assert csvformats.category_from_tags("spring, Promotional-posts") == "promotional"
    assert csvformats.category_from_tags("tips") is None


def test_formula_cells_are_escaped_on_export_and_restored_on_import() -> None:
    rows = [
        TemplateRow(
            "2026-03-01", "09:00", "=HYPERLINK(1)", "curated", "@home", "https://x.example"
        ),
        TemplateRow("2026-03-01", "10:00", "-20% today", "promotional", "A", ""),
        TemplateRow("2026-03-01", "11:00", "'quoted' words", "curated", "A", ""),
    ]
    text = csvformats.write_template(rows)
    assert "'=HYPERLINK(1)" in text and "'-20% today" in text
    assert text.endswith("\r\n")
    back = csvformats.read(text.encode(), format="template").rows
    assert [r.body for r in back] == ["=HYPERLINK(1)", "-20% today", "'quoted' words"]
    assert back[0].channels == ("@home",)


def test_channels_split_on_semicolons_and_bars() -> None:
    text = "date,time,body,category,channels\n2026-03-01,09:00,a,curated, A ;b|| C \n"
    row = csvformats.read(text.encode(), format="template").rows[0]
    assert row.channels == ("A", "b", "C")


@pytest.mark.parametrize("link_header", ["Link", "URL", "url"])
def test_hootsuite_header_may_call_the_link_url(link_header: str) -> None:
    data = (
        f"Date and time,Message,{link_header}\r\n"
        "27/03/2026 10:00,Fresh sourdough every Friday,https://shop.example/bread\r\n"
    ).encode()
    source = csvformats.read(data, format="hootsuite", date_format="dd/mm/yyyy hh:mm")
    [row] = source.rows
    assert row.line == 2 and row.body == "Fresh sourdough every Friday"
    assert row.link == "https://shop.example/bread" and not row.problems
    assert row.local == datetime(2026, 3, 27, 10, 0)
