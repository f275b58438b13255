"""Local calendar windows across DST and zones, the category mix, and the spans to load."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import PostSnapshot, affected_span, load_span, mix
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def at(text: str, tz: ZoneInfo = BERLIN) -> datetime:
    """Return the UTC instant of the wall-clock time *text* in *tz*."""
    return local_to_utc(datetime.fromisoformat(text), tz)


def window_of(instant: datetime, zone: str, kind: str) -> tuple[str, str]:
    """Return the local (start, end) of the *kind* window that a lone post at *instant* is in."""
    tz = ZoneInfo(zone)
    post = PostSnapshot(1, "educational", instant, "approved", (1,))
    rows = mix([post], tz, start=utc("2025-12-01 00:00"), end=utc("2027-01-15 00:00"))
    (row,) = [r for r in rows if r["window"] == kind and r["total"]]
    return row["window_start"], row["window_end"]


@pytest.mark.parametrize(
    ("instant", "zone", "kind", "expected"),
    [
        # Europe/London springs forward on Sunday 29 Mar 2026; that week has 167 hours.
        (
            "2026-03-29 22:30",  # Sun 23:30 BST
            "Europe/London",
            "week",
            ("2026-03-23T00:00:00+00:00", "2026-03-30T00:00:00+01:00"),
        ),
        (
            "2026-03-29 22:59:59",  # Sun 23:59:59 BST
            "Europe/London",
            "week",
            ("2026-03-23T00:00:00+00:00", "2026-03-30T00:00:00+01:00"),
        ),
        (
            "2026-03-29 23:00",  # Mon 00:00 BST, still Sunday in UTC
            "Europe/London",
            "week",
            ("2026-03-30T00:00:00+01:00", "2026-04-06T00:00:00+01:00"),
        ),
        # America/New_York springs forward on 8 Mar and falls back on 1 Nov 2026.
        (
            "2026-03-09 03:30",  # Sun 8 Mar 23:30 EDT
            "America/New_York",
            "week",
            ("2026-03-02T00:00:00-05:00", "2026-03-09T00:00:00-04:00"),
        ),
        (
            "2026-03-09 04:00",  # Mon 9 Mar 00:00 EDT
            "America/New_York",
            "week",
            ("2026-03-09T00:00:00-04:00", "2026-03-16T00:00:00-04:00"),
        ),
        (
            "2026-11-02 04:30",  # Sun 1 Nov 23:30 EST
            "America/New_York",
            "week",
            ("2026-10-26T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
        ),
        (
            "2026-11-02 05:00",  # Mon 2 Nov 00:00 EST
            "America/New_York",
            "week",
            ("2026-11-02T00:00:00-05:00", "2026-11-09T00:00:00-05:00"),
        ),
        # West of UTC: Sunday 23:30 in Los Angeles is already Monday in UTC.
        (
            "2026-03-16 06:30",  # Sun 15 Mar 23:30 PDT
            "America/Los_Angeles",
            "week",
            ("2026-03-09T00:00:00-07:00", "2026-03-16T00:00:00-07:00"),
        ),
        # East of UTC: 00:30 on the 1st in Berlin is still the previous day in UTC.
        (
            "2026-03-31 22:30",  # Wed 1 Apr 00:30 CEST
            "Europe/Berlin",
            "month",
            ("2026-04-01T00:00:00+02:00", "2026-05-01T00:00:00+02:00"),
        ),
        (
            "2026-03-31 21:30",  # Tue 31 Mar 23:30 CEST
            "Europe/Berlin",
            "month",
            ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00"),
        ),
        (
            "2026-03-31 22:30",
            "Europe/Berlin",
            "week",
            ("2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00"),
        ),
        (
            "2026-10-31 23:30",  # Sat 31 Oct 19:30 EDT
            "America/New_York",
            "month",
            # Clocks go back at 02:00, so the month still ends in daylight time.
            ("2026-10-01T00:00:00-04:00", "2026-11-01T00:00:00-04:00"),
        ),
        (
            "2026-01-01 00:10",  # Thu 1 Jan 05:40 IST (+05:30)
            "Asia/Kolkata",
            "month",
            ("2026-01-01T00:00:00+05:30", "2026-02-01T00:00:00+05:30"),
        ),
        (
            "2025-12-31 18:20",  # Wed 31 Dec 23:50 IST
            "Asia/Kolkata",
            "month",
            ("2025-12-01T00:00:00+05:30", "2026-01-01T00:00:00+05:30"),
        ),
    ],
)
def test_posts_fall_in_local_windows(
    instant: str, zone: str, kind: str, expected: tuple[str, str]
) -> None:
    assert window_of(utc(instant), zone, kind) == expected


def test_a_naive_scheduled_at_is_utc() -> None:
    naive = datetime(2026, 3, 29, 23, 0)
    assert window_of(naive, "Europe/London", "week")[0] == "2026-03-30T00:00:00+01:00"


def test_mix_rows() -> None:
    posts = [
        PostSnapshot(1, "promotional", at("2026-03-10 09:00"), "draft", (2, 1)),
        PostSnapshot(2, "educational", at("2026-03-11 09:00"), "published", (1,)),
        PostSnapshot(3, "curated", at("2026-03-17 09:00"), "approved", ()),
        PostSnapshot(4, "promotional", at("2026-03-18 09:00"), "rejected", (1,)),
        PostSnapshot(5, "promotional", None, "draft", (1,)),
        PostSnapshot(6, "promotional", at("2026-04-20 09:00"), "draft", (3,)),
    ]
    rows = mix(posts, BERLIN, start=at("2026-03-09"), end=at("2026-03-23"))
    zero = {"promotional": 0, "educational": 0, "conversational": 0, "curated": 0}
    assert rows == [
        {
            "channel_id": 1,
            "window": "week",
            "window_start": "2026-03-09T00:00:00+01:00",
            "window_end": "2026-03-16T00:00:00+01:00",
            "counts": {**zero, "promotional": 1, "educational": 1},
            "total": 2,
        },
        {
            "channel_id": 1,
            "window": "week",
            "window_start": "2026-03-16T00:00:00+01:00",
            "window_end": "2026-03-23T00:00:00+01:00",
            "counts": zero,
            "total": 0,
        },
        {
            "channel_id": 1,
            "window": "month",
            "window_start": "2026-03-01T00:00:00+01:00",
            "window_end": "2026-04-01T00:00:00+02:00",
            "counts": {**zero, "promotional": 1, "educational": 1},
            "total": 2,
        },
        {
            "channel_id": 2,
            "window": "week",
            "window_start": "2026-03-09T00:00:00+01:00",
            "window_end": "2026-03-16T00:00:00+01:00",
            "counts": {**zero, "promotional": 1},
            "total": 1,
        },
        {
            "channel_id": 2,
            "window": "week",
            "window_start": "2026-03-16T00:00:00+01:00",
            "window_end": "2026-03-23T00:00:00+01:00",
            "counts": zero,
            "total": 0,
        },
        {
            "channel_id": 2,
            "window": "month",
            "window_start": "2026-03-01T00:00:00+01:00",
            "window_end": "2026-04-01T00:00:00+02:00",
            "counts": {**zero, "promotional": 1},
            "total": 1,
        },
        {
            "channel_id": None,
            "window": "week",
            "window_start": "2026-03-09T00:00:00+01:00",
            "window_end": "2026-03-16T00:00:00+01:00",
            "counts": zero,
            "total": 0,
        },
        {
            "channel_id": None,
            "window": "week",
            "window_start": "2026-03-16T00:00:00+01:00",
            "window_end": "2026-03-23T00:00:00+01:00",
            "counts": {**zero, "curated": 1},
            "total": 1,
        },
        {
            "channel_id": None,
            "window": "month",
            "window_start": "2026-03-01T00:00:00+01:00",
            "window_end": "2026-04-01T00:00:00+02:00",
            "counts": {**zero, "curated": 1},
            "total": 1,
        },
    ]


def test_mix_of_an_empty_range() -> None:
    post = PostSnapshot(1, "promotional", at("2026-03-10 09:00"), "draft", (1,))
    assert mix([post], BERLIN, start=at("2026-03-10"), end=at("2026-03-10")) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Wed 1 Apr to Thu 16 Apr: from the week of 30 Mar to the end of April.
        ("2026-04-01", "2026-04-16", ("2026-03-30", "2026-05-01")),
        # Mon 1 Jun to Mon 8 Jun: one week and June; the week of 8 Jun is not touched.
        ("2026-06-01", "2026-06-08", ("2026-06-01", "2026-07-01")),
        # June ends on a Wednesday: its last week runs to Mon 6 Jul, July is not touched.
        ("2026-06-01", "2026-07-01", ("2026-06-01", "2026-07-06")),
        # Sun 1 Mar: the week of 23 Feb starts first; the DST change inside is no matter.
        ("2026-03-01", "2026-03-31 23:59", ("2026-02-23", "2026-04-06")),
    ],
)
def test_load_span(start: str, end: str, expected: tuple[str, str]) -> None:
    assert load_span(BERLIN, at(start), at(end)) == (at(expected[0]), at(expected[1]))


def test_load_span_is_utc_and_empty_for_an_empty_range() -> None:
    lo, hi = load_span(BERLIN, at("2026-04-01"), at("2026-04-16"))
    assert lo.tzinfo is UTC and hi.tzinfo is UTC
    assert lo == utc("2026-03-29 22:00")
    assert load_span(BERLIN, at("2026-04-01"), at("2026-04-01")) == (at("2026-04-01"),) * 2


@pytest.mark.parametrize(
    ("instants", "expected"),
    [
        # Tue 31 Mar: its week runs into April, its month starts on 1 Mar.
        (["2026-03-31 10:00"], ("2026-03-01", "2026-04-06")),
        (["2026-03-11 10:00"], ("2026-03-01", "2026-04-01")),
        # Moving a post from 15 Jan to 31 Mar touches everything in between.
        (["2026-03-31 10:00", "2026-01-15 10:00"], ("2026-01-01", "2026-04-06")),
        # Thu 1 Jan 2026: the week began on Mon 29 Dec 2025.
        (["2026-01-01 00:00"], ("2025-12-29", "2026-02-01")),
    ],
)
def test_affected_span(instants: list[str], expected: tuple[str, str]) -> None:
    span = affected_span(BERLIN, *(at(text) for text in instants))
    assert span == (at(expected[0]), at(expected[1]))


def test_affected_span_needs_an_instant() -> None:
    with pytest.raises(ValueError):
        affected_span(BERLIN)
