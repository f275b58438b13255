"""The streak rule: maximal runs of one category, per channel, in (time, id) order."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import GuardrailWarning, Policy, PostSnapshot, evaluate
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
STREAK_ONLY = Policy(preset="custom", max_share={}, quiet_gap_days=None)
CATEGORY = {"p": "promotional", "e": "educational", "c": "curated"}


def at(text: str) -> datetime:
    """Return the UTC instant of the Berlin wall-clock time *text*."""
    return local_to_utc(datetime.fromisoformat(text), BERLIN)


def daily(pattern: str, first: str = "2026-03-02 09:00", channel: int = 1) -> list[PostSnapshot]:
    """Return one post a day from *first*; a capital letter is a rejected post."""
    start = at(first)
    return [
        PostSnapshot(
            i,
            CATEGORY[letter.lower()],
            start + timedelta(days=i - 1),
            "rejected" if letter.isupper() else "approved",
            (channel,),
        )
        for i, letter in enumerate(pattern, start=1)
    ]


def run(
    posts: list[PostSnapshot],
    policy: Policy = STREAK_ONLY,
    start: str = "2026-03-01",
    end: str = "2026-04-01",
) -> list[GuardrailWarning]:
    return evaluate(
        posts,
        policy,
        BERLIN,
        now=at(start),
        start=at(start),
        end=at(end),
        channel_names={1: "Mastodon"},
    )


@pytest.mark.parametrize(
    ("pattern", "runs"),
    [
        ("pp", []),  # exactly the limit
        ("ppp", [(1, 2, 3)]),  # limit + 1
        ("pppp", [(1, 2, 3, 4)]),  # one maximal run, not two overlapping ones
        ("ppeppp", [(4, 5, 6)]),
        ("pppeppp", [(1, 2, 3), (5, 6, 7)]),  # two separate runs, two warnings
        ("pepep", []),
        ("ppEp", [(1, 2, 4)]),  # a rejected post does not break a run
        ("ppcp", []),  # a post of another category does
        ("eeeeee", []),  # no limit on educational
    ],
)
def test_streak_runs(pattern: str, runs: list[tuple[int, ...]]) -> None:
    assert [w.post_ids for w in run(daily(pattern))] == runs


def test_streak_limit_comes_from_the_policy() -> None:
    policy = STREAK_ONLY.with_changes(streak={"promotional": 3, "educational": 1})
    warnings = run(daily("pppeepppp"), policy)
    assert [(w.category, w.post_ids, w.actual, w.limit) for w in warnings] == [
        ("educational", (4, 5), 2, 1),
        ("promotional", (6, 7, 8, 9), 4, 3),
    ]


def test_streak_warning_contents() -> None:
    (warning,) = run(daily("pppe", first="2026-03-03 09:00"))
    assert warning.to_dict() == {
        "key": "streak:1:promotional:1",
        "rule": "streak",
        "severity": "warn",
        "channel_id": 1,
        "category": "promotional",
        "window_start": "2026-03-03T09:00:00+01:00",
        "window_end": "2026-03-05T09:00:00+01:00",
        "actual": 3,
        "limit": 2,
        "allowed": None,
        "needed": None,
        "count": None,
        "total": None,
        "post_ids": [1, 2, 3],
        "message": "3 promotional posts in a row on Mastodon (limit 2), from 3 Mar to 5 Mar.",
        "topic": "promotional posts in a row on Mastodon",
        "figure": "3 in a row, allows 2",
    }


def test_streak_on_one_day() -> None:
    posts = [
        PostSnapshot(i, "promotional", at(f"2026-03-03 0{i}:00"), "draft", (1,)) for i in (7, 8, 9)
    ]
    (warning,) = run(posts)
    assert warning.message == "3 promotional posts in a row on Mastodon (limit 2), on 3 Mar."


def test_ties_in_time_are_broken_by_post_id() -> None:
    # Posts 6, 7 (promotional) and 9 (educational) share a time: by id the order is 5 6 7 9,
    # a run of three. Given in reverse, so input order cannot be what sorts them.
    same = at("2026-03-04 09:00")
    posts = [
        PostSnapshot(9, "educational", same, "draft", (1,)),
        PostSnapshot(7, "promotional", same, "draft", (1,)),
        PostSnapshot(6, "promotional", same, "draft", (1,)),
        PostSnapshot(5, "promotional", at("2026-03-03 09:00"), "draft", (1,)),
    ]
    assert [w.post_ids for w in run(posts)] == [(5, 6, 7)]
    # With the educational post's id first, it splits the run.
    posts[0] = PostSnapshot(1, "educational", same, "draft", (1,))
    assert run(posts) == []


def test_streaks_are_per_channel() -> None:
    posts = [
        PostSnapshot(1, "promotional", at("2026-03-02 09:00"), "draft", (1,)),
        PostSnapshot(2, "educational", at("2026-03-03 09:00"), "draft", (2,)),
        PostSnapshot(3, "promotional", at("2026-03-04 09:00"), "draft", (1, 2)),
        PostSnapshot(4, "promotional", at("2026-03-05 09:00"), "draft", (1,)),
        PostSnapshot(5, "promotional", at("2026-03-06 09:00"), "draft", ()),
    ]
    assert [(w.channel_id, w.post_ids) for w in run(posts)] == [(1, (1, 3, 4))]


def test_channel_less_streak() -> None:
    posts = [PostSnapshot(i, "promotional", at(f"2026-03-0{i} 09:00"), "draft") for i in (2, 3, 4)]
    (warning,) = run(posts)
    assert warning.channel_id is None
    assert "among posts without a channel" in warning.message


@pytest.mark.parametrize(
    ("start", "end", "reported"),
    [
        ("2026-03-01 00:00", "2026-04-01 00:00", True),
        ("2026-03-04 09:00", "2026-04-01 00:00", True),  # the last post is the range start
        ("2026-03-04 09:00:00.000001", "2026-04-01 00:00", False),
        ("2026-02-01 00:00", "2026-03-02 09:00:00.000001", True),  # the first post is in
        ("2026-02-01 00:00", "2026-03-02 09:00", False),  # the range ends as the run begins
    ],
)
def test_streak_reported_when_a_post_is_in_range(start: str, end: str, reported: bool) -> None:
    posts = daily("ppp", first="2026-03-02 09:00")
    warnings = evaluate(posts, STREAK_ONLY, BERLIN, now=at(start), start=at(start), end=at(end))
    assert bool(warnings) is reported
