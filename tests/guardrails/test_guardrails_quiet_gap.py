"""The quiet_gap rule: stretches with nothing scheduled on a channel, from max(start, now)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import GuardrailWarning, Policy, PostSnapshot, evaluate
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
GAP_ONLY = Policy(preset="custom", max_share={}, streak={}, quiet_gap_days=7)


def at(text: str, tz: ZoneInfo = BERLIN) -> datetime:
    """Return the UTC instant of the wall-clock time *text* in *tz*."""
    return local_to_utc(datetime.fromisoformat(text), tz)


def posts_at(*times: str, channel: int = 1, tz: ZoneInfo = BERLIN) -> list[PostSnapshot]:
    return [
        PostSnapshot(i, "educational", at(text, tz), "approved", (channel,))
        for i, text in enumerate(times, start=1)
    ]


def run(
    posts: list[PostSnapshot],
    *,
    start: str = "2026-03-02 00:00",
    end: str = "2026-03-16 00:00",
    now: str | None = None,
    channels: tuple[int, ...] = (1,),
    names: dict[int, str] | None = None,
    tz: ZoneInfo = BERLIN,
) -> list[GuardrailWarning]:
    return evaluate(
        posts,
        GAP_ONLY,
        tz,
        now=at(now or start, tz),
        start=at(start, tz),
        end=at(end, tz),
        channels=channels,
        channel_names={1: "Mastodon"} if names is None else names,
    )


def spans(warnings: list[GuardrailWarning]) -> list[tuple[str, str, tuple[int, ...]]]:
    return [
        (w.window_start.strftime("%d %H:%M"), w.window_end.strftime("%d %H:%M"), w.post_ids)
        for w in warnings
    ]


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        # Range 2 Mar 00:00 to 16 Mar 00:00; the neighbours include both ends.
        (["2026-03-09 00:00"], []),  # exactly 7 days on each side
        (["2026-03-09 00:01"], [("02 00:00", "09 00:01", (1,))]),  # 7 days + 1 minute first
        (["2026-03-08 23:59"], [("08 23:59", "16 00:00", (1,))]),  # 7 days + 1 minute last
        (["2026-03-05 00:00", "2026-03-12 00:00"], []),
        (["2026-03-03 00:00", "2026-03-10 00:01"], [("03 00:00", "10 00:01", (1, 2))]),
        (
            ["2026-03-10 12:00"],
            [("02 00:00", "10 12:00", (1,))],
        ),
        ([], [("02 00:00", "16 00:00", ())]),  # a channel with no posts at all
    ],
)
def test_gaps_between_neighbours(times: list[str], expected: list) -> None:
    assert spans(run(posts_at(*times))) == expected


def test_gap_warning_contents() -> None:
    (warning,) = run(posts_at("2026-03-12 00:00"), start="2026-03-03 00:00", end="2026-03-13")
    assert warning.to_dict() == {
        "key": "quiet_gap:1:2026-03-03T00:00:00+01:00",
        "rule": "quiet_gap",
        "severity": "warn",
        "channel_id": 1,
        "category": None,
        "window_start": "2026-03-03T00:00:00+01:00",
        "window_end": "2026-03-12T00:00:00+01:00",
        "actual": 9,
        "limit": 7,
        "allowed": None,
        "needed": None,
        "count": None,
        "total": None,
        "post_ids": [1],
        "message": "Mastodon goes quiet for 9 days from 3 Mar.",
        "topic": "quiet spell on Mastodon from 3 Mar",
        "figure": "9 days, allows 7",
    }
    assert warning.actual == Fraction(9)


def test_partial_days_are_worded_as_over() -> None:
    (warning,) = run(posts_at("2026-03-09 00:01"))
    assert warning.message == "Mastodon goes quiet for over 7 days from 2 Mar."
    assert warning.actual == 7 + Fraction(1, 24 * 60)


def test_quiet_gap_starts_at_now_when_now_is_later() -> None:
    posts = posts_at("2026-03-03 00:00", "2026-03-12 00:00")
    # From start, 3 Mar to 12 Mar is 9 days; from now (5 Mar) the post before now is ignored.
    assert spans(run(posts)) == [("03 00:00", "12 00:00", (1, 2))]
    assert spans(run(posts, now="2026-03-05 00:00")) == []
    assert spans(run(posts, now="2026-03-04 23:59")) == [("04 23:59", "12 00:00", (2,))]


def test_no_gaps_once_now_is_past_the_range() -> None:
    assert run([], now="2026-03-16 00:00") == []
    assert run([], now="2026-04-01 00:00") == []


def test_short_range_without_posts_is_fine() -> None:
    assert run([], start="2026-03-02", end="2026-03-09") == []
    assert spans(run([], start="2026-03-02", end="2026-03-09 00:01")) == [
        ("02 00:00", "09 00:01", ())
    ]


def test_every_given_channel_is_checked() -> None:
    posts = posts_at("2026-03-05 00:00", "2026-03-11 00:00")
    warnings = run(posts, channels=(1, 2, 3), names={2: "Instagram"})
    assert [(w.channel_id, w.message) for w in warnings] == [
        (2, "Instagram goes quiet for 14 days from 2 Mar."),
        (3, "Channel 3 goes quiet for 14 days from 2 Mar."),
    ]


def test_channels_seen_on_posts_are_checked_even_when_not_given() -> None:
    posts = posts_at("2026-03-12 00:00", channel=4)
    assert [w.channel_id for w in run(posts, channels=())] == [4]


def test_channel_less_posts_are_not_checked() -> None:
    posts = [PostSnapshot(1, "educational", at("2026-03-12 00:00"), "draft", ())]
    assert run(posts, channels=()) == []


def test_non_counted_posts_do_not_fill_a_gap() -> None:
    posts = posts_at("2026-03-05 00:00", "2026-03-13 00:00") + [
        PostSnapshot(9, "educational", at("2026-03-09 00:00"), "rejected", (1,)),
        PostSnapshot(10, "educational", None, "draft", (1,)),
    ]
    assert spans(run(posts)) == [("05 00:00", "13 00:00", (1, 2))]


@pytest.mark.parametrize(
    ("times", "warns"),
    [
        # London falls back on 25 Oct 2026: Monday 9:00 to Monday 9:00 is 169 hours.
        (["2026-10-19 09:00", "2026-10-26 09:00"], False),
        # London springs forward on 29 Mar 2026: 7 days and a minute on the clock (167h 1m).
        (["2026-03-23 09:00", "2026-03-30 09:01"], True),
    ],
)
def test_gaps_are_measured_on_the_local_clock(times: list[str], warns: bool) -> None:
    first, last = times
    warnings = run(posts_at(*times, tz=LONDON), start=first, end=last, tz=LONDON)
    assert bool(warnings) is warns


def test_quiet_gap_off() -> None:
    policy = GAP_ONLY.with_changes(quiet_gap_days=None)
    start, end = at("2026-03-01"), at("2026-06-01")
    assert evaluate([], policy, BERLIN, now=start, start=start, end=end, channels=(1,)) == []
