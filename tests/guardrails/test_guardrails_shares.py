"""The max_share and min_share rules, and which posts count towards them."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import PRESETS, GuardrailWarning, Policy, PostSnapshot, evaluate
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHARES_ONLY = Policy(preset="custom", streak={}, quiet_gap_days=None)
THIRDS_MIN_ONLY = PRESETS["thirds"].with_changes(max_share={}, streak={}, quiet_gap_days=None)
NAMES = {1: "Mastodon", 2: "Instagram"}


def at(text: str, tz: ZoneInfo = BERLIN) -> datetime:
    """Return the UTC instant of the wall-clock time *text* in *tz*."""
    return local_to_utc(datetime.fromisoformat(text), tz)


def week_of_posts(
    categories: str,
    first: str = "2026-03-09 09:00",
    channels: tuple[int, ...] = (1,),
    first_id: int = 1,
) -> list[PostSnapshot]:
    """Return one post every 3 hours from *first*: p(romotional), e(ducational), c(onversational)."""
    names = {"p": "promotional", "e": "educational", "c": "conversational", "u": "curated"}
    start = at(first)
    return [
        PostSnapshot(i, names[letter], start + timedelta(hours=3 * n), "approved", channels)
        for n, (i, letter) in enumerate(enumerate(categories, start=first_id))
    ]


def run(
    posts: list[PostSnapshot],
    policy: Policy = SHARES_ONLY,
    start: str = "2026-03-01",
    end: str = "2026-04-01",
    tz: ZoneInfo = BERLIN,
) -> list[GuardrailWarning]:
    return evaluate(
        posts,
        policy,
        tz,
        now=at(start, tz),
        start=at(start, tz),
        end=at(end, tz),
        channel_names=NAMES,
    )


@pytest.mark.parametrize(
    ("categories", "warns"),
    [
        # Behaviour change (issue 12): a category may have up to max(1, floor(s·n + 1/2)) posts.
        ("peeee", False),  # 1 of 5, allows 1
        ("ppeeeeeeee", False),  # 2 of 10, allows 2
        ("ppeeeeeee", False),  # 2 of 9, allows 2 (1.8 rounds to 2)
        ("ppeeeeee", False),  # 2 of 8, allows 2
        ("ppeeeee", True),  # 2 of 7, allows 1 (1.4 rounds to 1)
        ("peee", False),  # 1 of 4: one promotion always fits
        ("p", False),  # 1 of 1
        ("pp", True),  # 2 of 2, allows 1
        ("ppppp", True),
        ("pppeeeeeeeee", True),  # 3 of 12, allows 2 (2.4 rounds to 2)
        ("pppeeeeeeeeeeee", False),  # 3 of 15, allows 3
        ("uuuuu", False),  # no limit on curated
    ],
)
def test_max_share_counts_an_allowance(categories: str, warns: bool) -> None:
    warnings = run(week_of_posts(categories))
    # The posts fall in one week, so the month has the same count: both or neither warn.
    assert [w.rule for w in warnings] == (["max_share", "max_share"] if warns else [])


def test_max_share_warning_contents() -> None:
    posts = week_of_posts("epepe")
    week, month = sorted(run(posts), key=lambda w: w.window_end)
    assert week.to_dict() == {
        "key": "max_share:1:promotional:week:2026-03-09",
        "rule": "max_share",
        "severity": "warn",
        "channel_id": 1,
        "category": "promotional",
        "window_start": "2026-03-09T00:00:00+01:00",
        "window_end": "2026-03-16T00:00:00+01:00",
        "actual": 0.4,
        "limit": 0.2,
        "allowed": 1,
        "needed": None,
        "count": 2,
        "total": 5,
        "post_ids": [2, 4],
        "message": (
            "2 of 5 posts on Mastodon in the week of 9 Mar are promotional; your limit allows 1."
        ),
        "topic": "promotional in the week of 9 Mar on Mastodon",
        "figure": "2 of 5, allows 1",
    }
    assert week.actual == Fraction(2, 5)
    assert week.limit == Fraction(1, 5)
    assert month.window_start.isoformat() == "2026-03-01T00:00:00+01:00"
    assert month.window_end.isoformat() == "2026-04-01T00:00:00+02:00"
    assert month.to_dict()["key"] == "max_share:1:promotional:month:2026-03-01"
    assert month.message == (
        "2 of 5 posts on Mastodon in March 2026 are promotional; your limit allows 1."
    )


def test_a_preset_is_named_while_its_limit_holds() -> None:
    posts = week_of_posts("ppeee")
    presets = PRESETS["80-20"].with_changes(streak={}, quiet_gap_days=None)
    (week, _month) = run(posts, presets)
    assert week.message.endswith("are promotional; 80/20 allows 1.")
    thirds = PRESETS["thirds"].with_changes(min_share={}, streak={}, quiet_gap_days=None)
    (week, _month) = run(week_of_posts("pppe"), thirds)
    assert week.message.endswith("are promotional; the thirds rule allows 1.")
    # The preset's name with another number would misquote it.
    edited = presets.with_changes(max_share={"promotional": Fraction(1, 10)})
    (week, _month) = run(week_of_posts("ppeeeeeeeeeeee"), edited)
    assert week.message.endswith("are promotional; your limit allows 1.")


def test_weeks_and_months_are_judged_separately() -> None:
    # Week of 9 Mar: 2 of 5 promotional (warns). Week of 16 Mar: 10 educational.
    # March as a whole: 2 of 15 (13%), within the limit.
    posts = week_of_posts("ppeee") + week_of_posts("e" * 10, "2026-03-16 09:00", first_id=6)
    warnings = run(posts)
    assert [(w.window_start.date().isoformat(), w.post_ids) for w in warnings] == [
        ("2026-03-09", (1, 2))
    ]


def test_max_share_for_several_categories() -> None:
    policy = SHARES_ONLY.with_changes(
        max_share={"promotional": Fraction(1, 5), "curated": Fraction(1, 2)}
    )
    warnings = run(week_of_posts("puuuu"), policy)
    assert {(w.category, w.actual, w.allowed) for w in warnings} == {("curated", Fraction(4, 5), 3)}


@pytest.mark.parametrize(
    ("categories", "warns"),
    [
        ("eee", False),  # 3 posts: too few to judge the month
        ("eeee", True),  # 0 in 4
        ("ceee", False),  # 1 in 4 is exactly 25%
        ("ceeee", True),  # 1 in 5
        ("cceeeeee", False),
        ("cceeeeeee", True),  # 2 in 9
        ("cccc", False),
    ],
)
def test_min_share_only_in_months_with_four_posts(categories: str, warns: bool) -> None:
    warnings = run(week_of_posts(categories), THIRDS_MIN_ONLY)
    assert [w.rule for w in warnings] == (["min_share"] if warns else [])


def test_min_share_warning_contents() -> None:
    (warning,) = run(week_of_posts("ceeee"), THIRDS_MIN_ONLY)
    assert warning.category == "conversational"
    assert warning.post_ids == (1, 2, 3, 4, 5)
    assert warning.actual == Fraction(1, 5)
    assert warning.window_start.isoformat() == "2026-03-01T00:00:00+01:00"
    assert (warning.count, warning.total, warning.needed, warning.allowed) == (1, 5, 2, None)
    assert warning.message == (
        "Only 1 of 5 posts on Mastodon in March 2026 is conversational; the thirds rule asks for 2."
    )


def test_min_share_is_not_judged_per_week() -> None:
    # A week with no conversational posts is fine while the month as a whole is.
    posts = week_of_posts("eeeeeeee") + week_of_posts("cccc", "2026-03-23 09:00", first_id=9)
    assert run(posts, THIRDS_MIN_ONLY) == []


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("draft", True),
        ("in_review", True),
        ("approved", True),
        ("publishing", True),
        ("published", True),
        ("rejected", False),
        ("failed", False),
        ("missed", False),
        ("expired", False),
        ("deleted", False),
        ("archived", False),
    ],
)
def test_only_counted_statuses_count(status: str, counts: bool) -> None:
    posts = week_of_posts("peeee")
    posts.append(PostSnapshot(99, "promotional", at("2026-03-10 12:00"), status, (1,)))
    assert bool(run(posts)) is counts


def test_unscheduled_posts_are_ignored() -> None:
    posts = week_of_posts("peeee")
    posts.append(PostSnapshot(99, "promotional", None, "draft", (1,)))
    assert run(posts) == []


def test_a_post_on_two_channels_counts_on_each() -> None:
    posts = week_of_posts("ppeee", channels=(1, 2))
    warnings = run(posts)
    assert [(w.channel_id, w.post_ids) for w in warnings] == [
        (1, (1, 2)),
        (2, (1, 2)),
        (1, (1, 2)),
        (2, (1, 2)),
    ]


def test_channels_are_judged_separately() -> None:
    posts = week_of_posts("peeee", channels=(1,)) + [
        PostSnapshot(10, "promotional", at("2026-03-10 09:00"), "draft", (2,)),
        PostSnapshot(11, "educational", at("2026-03-10 10:00"), "draft", (2,)),
        PostSnapshot(12, "promotional", at("2026-03-10 11:00"), "draft", (2,)),
    ]
    assert {w.channel_id for w in run(posts)} == {2}


def test_channel_less_posts_form_their_own_group() -> None:
    posts = week_of_posts("eeee", channels=(1,)) + [
        PostSnapshot(10, "promotional", at("2026-03-10 09:00"), "draft", ()),
        PostSnapshot(11, "educational", at("2026-03-10 10:00"), "draft", ()),
        PostSnapshot(12, "promotional", at("2026-03-10 11:00"), "draft", ()),
    ]
    _month, week = run(posts)
    assert week.channel_id is None
    assert week.post_ids == (10, 12)
    assert week.message == (
        "2 of 3 posts without a channel in the week of 9 Mar are promotional; your limit allows 1."
    )


def test_only_windows_intersecting_the_range_are_reported() -> None:
    # Promotional-only weeks in February and April, evaluated over March only.
    posts = week_of_posts("pp", first="2026-02-16 09:00") + [
        PostSnapshot(50, "promotional", at("2026-04-06 09:00"), "draft", (1,))
    ]
    assert run(posts) == []
    # The weeks of 23 Feb and 30 Mar reach into March, so they are reported, whole.
    for pid, when in ((51, "03-01 23:58"), (53, "03-01 23:59"), (52, "04-05 23:58")):
        posts.append(PostSnapshot(pid, "promotional", at(f"2026-{when}"), "draft", (1,)))
    posts.append(PostSnapshot(54, "promotional", at("2026-04-05 23:59"), "draft", (1,)))
    assert [(w.window_start.isoformat(), w.post_ids) for w in run(posts)] == [
        ("2026-02-23T00:00:00+01:00", (51, 53)),
        ("2026-03-01T00:00:00+01:00", (51, 53)),
        ("2026-03-30T00:00:00+02:00", (52, 54)),
    ]


def test_block_severity_is_carried() -> None:
    policy = SHARES_ONLY.with_changes(severity={"max_share": "block"})
    assert {w.severity for w in run(week_of_posts("ppe"), policy)} == {"block"}


def test_empty_range_reports_nothing() -> None:
    assert run(week_of_posts("ppp"), start="2026-03-10", end="2026-03-10") == []


def test_dst_week_warning_has_local_offsets() -> None:
    # America/New_York springs forward on Sunday 8 Mar 2026.
    posts = [
        PostSnapshot(1, "promotional", at("2026-03-08 23:30", NEW_YORK), "draft", (1,)),
        PostSnapshot(2, "educational", at("2026-03-02 00:00", NEW_YORK), "draft", (1,)),
        PostSnapshot(3, "promotional", at("2026-03-05 12:00", NEW_YORK), "draft", (1,)),
    ]
    warnings = run(posts, start="2026-03-02", end="2026-03-09", tz=NEW_YORK)
    week = next(w for w in warnings if w.window_start.day == 2)
    assert week.to_dict()["window_start"] == "2026-03-02T00:00:00-05:00"
    assert week.to_dict()["window_end"] == "2026-03-09T00:00:00-04:00"
    assert week.post_ids == (3, 1)
