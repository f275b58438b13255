"""What-if previews, warning identity and order, and the small warning filters."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from planner.guardrails import (
    DEFAULT_POLICY,
    Comparison,
    Policy,
    PostSnapshot,
    affected_span,
    blocking,
    evaluate,
    load_span,
    preview,
    warnings_for_post,
)
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
NO_GAPS = DEFAULT_POLICY.with_changes(quiet_gap_days=None)


def at(text: str) -> datetime:
    """Return the UTC instant of the Berlin wall-clock time *text*."""
    return local_to_utc(datetime.fromisoformat(text), BERLIN)


def post(post_id: int, category: str, when: str, channels: tuple[int, ...] = (1,)) -> PostSnapshot:
    return PostSnapshot(post_id, category, at(when), "approved", channels)


def moved(original: PostSnapshot, when: str) -> PostSnapshot:
    return PostSnapshot(
        original.id, original.category, at(when), original.status, original.channel_ids
    )


def diff(
    before: list[PostSnapshot],
    after: list[PostSnapshot],
    policy: Policy = NO_GAPS,
    start: str = "2026-03-01",
    end: str = "2026-04-01",
) -> Comparison:
    return preview(before, after, policy, BERLIN, now=at(start), start=at(start), end=at(end))


def test_adding_a_third_promotional_post_in_a_row_adds_a_streak() -> None:
    before = [
        post(1, "promotional", "2026-03-03 09:00"),
        post(2, "promotional", "2026-03-04 09:00"),
        post(3, "educational", "2026-03-06 09:00"),
    ]
    after = [*before, post(4, "promotional", "2026-03-05 09:00")]
    added, removed, changed = diff(before, after)
    # The streak is new; the week and month shares were already over (2 of 3, allows 1) and
    # get worse (3 of 4): the same warnings, changed, never cleared and added again.
    assert [(w.rule, w.post_ids) for w in added] == [("streak", (1, 2, 4))]
    assert removed == []
    assert [(c.before.figure, c.after.figure, c.verdict) for c in changed] == [
        ("2 of 3, allows 1", "3 of 4, allows 1", "worse"),
        ("2 of 3, allows 1", "3 of 4, allows 1", "worse"),
    ]
    assert all(c.before.key == c.after.key for c in changed)
    assert changed[0].text == "promotional in March 2026 on channel 1: 2 of 3 → 3 of 4, allows 1"


def test_a_share_that_gets_better_is_changed_not_removed_and_added() -> None:
    promo = post(3, "promotional", "2026-03-10 12:00")
    week_9 = [
        post(1, "promotional", "2026-03-09 09:00"),
        post(2, "promotional", "2026-03-10 09:00"),
        promo,
    ] + [post(i, "educational", f"2026-03-1{i} 09:00") for i in (1, 2, 3)]
    week_16 = [post(10 + i, "educational", f"2026-03-1{i} 12:00") for i in (6, 7, 8, 9)]
    before = week_9 + week_16
    after = [moved(p, "2026-03-17 09:00") if p is promo else p for p in before]
    added, removed, changed = diff(before, after, NO_GAPS.with_changes(streak={}))
    # Week of 9 Mar goes from 3 of 6 to 2 of 5, still over; week of 16 Mar gets 1 of 5, fine.
    assert added == removed == []
    (week,) = changed
    assert (week.before.window_start.day, week.before.count, week.after.count) == (9, 3, 2)
    assert week.verdict == "better"
    assert week.to_dict()["verdict"] == "better"
    assert week.to_dict()["before"]["key"] == week.to_dict()["after"]["key"]


def test_fewer_posts_of_other_categories_reads_as_worse() -> None:
    before = [
        post(1, "promotional", "2026-03-09 09:00"),
        post(2, "promotional", "2026-03-10 09:00"),
    ]
    before += [post(i, "educational", f"2026-03-1{i} 09:00") for i in (1, 2, 3, 4, 5)]
    after = before[:-1]
    (week, month) = sorted(diff(before, after).changed, key=lambda c: c.after.window_end)
    assert (week.before.figure, week.after.figure) == ("2 of 7, allows 1", "2 of 6, allows 1")
    assert week.verdict == "worse"


def test_moving_a_post_out_of_a_window_removes_its_warning() -> None:
    promo = post(1, "promotional", "2026-03-10 09:00")
    others = [post(2, "promotional", "2026-03-10 12:00")]
    others += [post(i, "educational", f"2026-03-1{i} 09:00") for i in (1, 2, 3)]
    later = [post(10 + i, "educational", f"2026-03-1{i} 12:00") for i in (6, 7, 8, 9)]
    before = [promo, *others, *later]
    after = [moved(promo, "2026-03-17 09:00"), *others, *later]
    added, removed, changed = diff(before, after)
    assert added == changed == []
    assert [w.window_start.day for w in removed] == [9]


def test_two_runs_sharing_a_post_are_one_streak() -> None:
    before = [post(i, "promotional", f"2026-03-0{i} 09:00") for i in (2, 3, 4)]
    before.append(post(9, "educational", "2026-03-06 09:00"))
    after = [*before, post(5, "promotional", "2026-03-05 09:00")]
    streaks = [c for c in diff(before, after).changed if c.after.rule == "streak"]
    assert [(c.before.post_ids, c.after.post_ids, c.verdict) for c in streaks] == [
        ((2, 3, 4), (2, 3, 4, 5), "worse")
    ]
    # A run that shares no post with the old one is another warning.
    apart = [*before, *(post(i, "promotional", f"2026-03-0{i} 09:00") for i in (7, 8))]
    apart.append(post(20, "promotional", "2026-03-08 12:00"))
    added = diff(before, apart).added
    assert [w.post_ids for w in added if w.rule == "streak"] == [(7, 8, 20)]


def test_preview_over_the_affected_span_matches_a_full_preview() -> None:
    rng = random.Random(7)
    categories = ["promotional", "educational", "conversational", "curated"]
    posts = [
        PostSnapshot(
            i,
            rng.choice(categories),
            at("2026-01-01 08:00") + timedelta(hours=rng.randrange(0, 24 * 365)),
            "approved",
            (rng.choice([1, 2]),),
        )
        for i in range(600)
    ]
    target = posts[123]
    new_time = at("2026-07-01 10:00")
    after = [
        PostSnapshot(p.id, p.category, new_time, p.status, p.channel_ids) if p is target else p
        for p in posts
    ]
    span = affected_span(BERLIN, target.scheduled_at, new_time)
    lo, hi = load_span(BERLIN, *span)

    def loaded(items: list[PostSnapshot]) -> list[PostSnapshot]:
        return [p for p in items if lo <= p.scheduled_at < hi]

    full = preview(
        posts, after, NO_GAPS, BERLIN, now=lo, start=at("2026-01-01"), end=at("2027-01-01")
    )
    narrow = preview(
        loaded(posts), loaded(after), NO_GAPS, BERLIN, now=lo, start=span[0], end=span[1]
    )
    assert [w.to_dict() for w in narrow.added] == [w.to_dict() for w in full.added]
    assert [w.to_dict() for w in narrow.removed] == [w.to_dict() for w in full.removed]
    assert [c.to_dict() for c in narrow.changed] == [c.to_dict() for c in full.changed]
    assert full != ([], [], [])


def test_identical_calendars_preview_nothing() -> None:
    posts = [post(i, "promotional", f"2026-03-0{i} 09:00") for i in range(2, 8)]
    assert diff(posts, list(posts), DEFAULT_POLICY) == ([], [], [])


def test_warning_keys() -> None:
    posts = [post(i, "promotional", f"2026-03-0{i} 09:00") for i in (2, 3, 4)]
    warnings = evaluate(
        posts,
        DEFAULT_POLICY,
        BERLIN,
        now=at("2026-03-01"),
        start=at("2026-03-01"),
        end=at("2026-03-16"),
    )
    keys = [w.key for w in warnings]
    assert keys == [
        (
            "max_share",
            1,
            "promotional",
            datetime.fromisoformat("2026-03-01T00:00:00+01:00"),
            datetime.fromisoformat("2026-04-01T00:00:00+02:00"),
        ),
        (
            "max_share",
            1,
            "promotional",
            datetime.fromisoformat("2026-03-02T00:00:00+01:00"),
            datetime.fromisoformat("2026-03-09T00:00:00+01:00"),
        ),
        ("streak", 1, "promotional", (2, 3, 4)),
        (
            "quiet_gap",
            1,
            datetime.fromisoformat("2026-03-04T09:00:00+01:00"),
            datetime.fromisoformat("2026-03-16T00:00:00+01:00"),
        ),
    ]


def test_order_is_deterministic_and_by_window_start() -> None:
    posts = [
        post(i, "promotional", f"2026-03-{d:02d} 09:00", channels)
        for i, (d, channels) in enumerate(
            [(2, (1,)), (3, (2,)), (4, ()), (5, (1, 2)), (9, (1,)), (10, ()), (20, (2,))]
        )
    ]
    kwargs = {"now": at("2026-03-01"), "start": at("2026-03-01"), "end": at("2026-04-01")}
    first = evaluate(posts, DEFAULT_POLICY, BERLIN, channels=(3,), **kwargs)
    shuffled = posts[::-1]
    second = evaluate(shuffled, DEFAULT_POLICY, BERLIN, channels=(3,), **kwargs)
    assert first == second
    starts = [w.window_start for w in first]
    assert starts == sorted(starts)
    month = [(w.rule, w.channel_id) for w in first if w.window_start == at("2026-03-01")]
    assert month == [
        ("max_share", 1),
        ("max_share", 2),
        ("max_share", None),
        ("quiet_gap", 3),
    ]


def test_warnings_for_post_and_blocking() -> None:
    policy = DEFAULT_POLICY.with_changes(severity={"streak": "block"}, quiet_gap_days=None)
    posts = [post(i, "promotional", f"2026-03-0{i} 09:00") for i in (2, 3, 4)]
    posts.append(post(9, "educational", "2026-03-05 09:00"))
    warnings = evaluate(
        posts, policy, BERLIN, now=at("2026-03-01"), start=at("2026-03-01"), end=at("2026-03-09")
    )
    assert [w.rule for w in warnings_for_post(warnings, 3)] == ["max_share", "max_share", "streak"]
    assert warnings_for_post(warnings, 9) == []
    assert [w.rule for w in blocking(warnings)] == ["streak"]


def test_a_quiet_gap_that_reads_the_same_is_neither_added_nor_cleared() -> None:
    # The gap after the 22nd starts at 09:00; moving the 19th's post to 12:30 on the 22nd makes
    # it start at 12:30, bounded by another post. Both read "goes quiet for over 9 days from 22 Mar".
    first = post(1, "educational", "2026-03-19 12:30")
    last = post(2, "educational", "2026-03-22 09:00")
    policy = NO_GAPS.with_changes(quiet_gap_days=7)
    before = [first, last]
    after = [moved(first, "2026-03-22 12:30"), last]
    old, new = (
        [
            w
            for w in evaluate(
                p,
                policy,
                BERLIN,
                now=at("2026-03-18"),
                start=at("2026-03-01"),
                end=at("2026-04-01"),
            )
            if w.rule == "quiet_gap"
        ]
        for p in (before, after)
    )
    assert [w.message for w in old] == [w.message for w in new]
    assert old[0].to_dict() != new[0].to_dict()  # another start time, another post
    added, removed, changed = preview(
        before,
        after,
        policy,
        BERLIN,
        now=at("2026-03-18"),
        start=at("2026-03-01"),
        end=at("2026-04-01"),
    )
    assert [w for w in added + removed if w.rule == "quiet_gap"] == []
    assert changed == []


def test_a_shorter_silence_is_the_same_gap_better() -> None:
    policy = NO_GAPS.with_changes(streak={}, max_share={}, quiet_gap_days=7)
    before = [
        post(1, "educational", "2026-03-03 09:00"),
        post(2, "educational", "2026-03-20 09:00"),
    ]
    after = [*before, post(3, "educational", "2026-03-10 09:00")]
    kwargs = {"now": at("2026-03-03 09:00"), "start": at("2026-03-03"), "end": at("2026-03-21")}
    added, removed, changed = preview(before, after, policy, BERLIN, **kwargs)
    assert added == removed == []
    (gap,) = changed
    assert (gap.before.figure, gap.after.figure, gap.verdict) == (
        "17 days, allows 7",
        "10 days, allows 7",
        "better",
    )
    assert gap.text.endswith(": 17 days → 10 days, allows 7")
    # One silence split into two (9 and 8 days): the first is the old one, shorter; the second
    # overlaps an old gap already paired, so it is new.
    split = [*before, post(3, "educational", "2026-03-12 09:00")]
    split_added, split_removed, split_changed = preview(before, split, policy, BERLIN, **kwargs)
    assert [c.after.figure for c in split_changed] == ["9 days, allows 7"]
    assert [w.figure for w in split_added] == ["8 days, allows 7"] and split_removed == []
