from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from planner.timeutils import (
    combine_local,
    get_zone,
    iso_local,
    iso_utc,
    local_to_utc,
    month_grid,
    month_window,
    parse_iso_instant,
    week_window,
)

LONDON = get_zone("Europe/London")
NEW_YORK = get_zone("America/New_York")


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        (date(2026, 3, 27), time(10, 0), LONDON, datetime(2026, 3, 27, 10, 0, tzinfo=UTC)),  # GMT
        (date(2026, 3, 30), time(10, 0), LONDON, datetime(2026, 3, 30, 9, 0, tzinfo=UTC)),  # BST
        (date(2026, 3, 7), time(9, 0), NEW_YORK, datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),  # EST
        (date(2026, 3, 9), time(9, 0), NEW_YORK, datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),  # EDT
    ],
)
def test_local_wall_clock_maps_to_utc_across_dst(day, at, tz, expected) -> None:
    assert combine_local(day, at, tz) == expected


def test_nonexistent_local_time_moves_forward_and_ambiguous_takes_first() -> None:
    # 01:30 on 29 March 2026 does not exist in London (clocks jump 01:00 -> 02:00).
    gap = local_to_utc(datetime(2026, 3, 29, 1, 30), LONDON)
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 02:30 BST
    # 01:30 on 25 October 2026 happens twice; the first (BST) is 00:30 UTC.
    assert local_to_utc(datetime(2026, 10, 25, 1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_week_window_spanning_dst_is_167_hours() -> None:
    lo, hi = week_window(date(2026, 3, 25), LONDON)
    assert lo.date() == date(2026, 3, 23) and hi.date() == date(2026, 3, 30)
    # Subtract in UTC: Python subtracts same-zone aware datetimes by wall clock.
    assert (hi.astimezone(UTC) - lo.astimezone(UTC)).total_seconds() == 167 * 3600


def test_month_window_and_grid() -> None:
    lo, hi = month_window(date(2026, 2, 14), NEW_YORK)
    assert (lo.date(), hi.date()) == (date(2026, 2, 1), date(2026, 3, 1))
    grid = month_grid(date(2026, 2, 1))
    assert grid[0][0] == date(2026, 1, 26) and grid[-1][-1] == date(2026, 3, 1)
    assert all(len(week) == 7 for week in grid)


def test_iso_parsing_with_and_without_offset() -> None:
    assert parse_iso_instant("2026-07-01T09:00", LONDON) == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_iso_instant("2026-07-01T09:00+02:00", LONDON) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )
    assert parse_iso_instant("2026-07-01T09:00Z", LONDON) == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_iso_instant("next tuesday", LONDON)


def test_iso_formatting() -> None:
    value = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert iso_utc(value) == "2026-07-01T08:00:00Z"
    assert iso_local(value, LONDON) == "2026-07-01T09:00:00+01:00"
