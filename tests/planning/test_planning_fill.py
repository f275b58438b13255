"""The month filler: tables of slots, ideas and calendars, judged by the rule engine."""

from __future__ import annotations

import time as clock
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import DEFAULT_POLICY, PRESETS, Policy, PostSnapshot, evaluate
from planner.planning.fill import EVERGREEN, Idea, Placement, acceptable, fill
from planner.planning.slots import Slot, WeeklyTime, slot_times

TZ = ZoneInfo("Europe/London")
MARCH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
NOW = datetime(2027, 2, 20, tzinfo=UTC)
CATS = ("promotional", "educational", "conversational", "curated")


def mwf(*channels: int, category: str | None = None) -> list[Slot]:
    weekly = [WeeklyTime(c, d, time(10), category) for c in channels for d in (0, 2, 4)]
    return slot_times(weekly, TZ, *MARCH)


def ideas(*spec: tuple[str, int], start: int = 100) -> list[Idea]:
    """Ideas from (category, how many) pairs, with increasing ids."""
    found, next_id = [], start
    for category, n in spec:
        for _ in range(n):
            found.append(Idea(id=next_id, category=category))
            next_id += 1
    return found


def snapshots_of(placements: tuple[Placement, ...]) -> list[PostSnapshot]:
    return [
        PostSnapshot(
            id=-1 - i,
            category=p.category,
            scheduled_at=p.slot.at,
            status="draft",
            channel_ids=p.channel_ids,
        )
        for i, p in enumerate(placements)
    ]


def judge(posts, policy: Policy = DEFAULT_POLICY):
    return evaluate(posts, policy, TZ, now=NOW, start=MARCH[0], end=MARCH[1], channels=[1, 2, 3])


def assert_sound(plan, slots, given, calendar=(), policy: Policy = DEFAULT_POLICY) -> None:
    """One post per slot, each idea once, and no warning that leaving the slots empty avoids."""
    keys = [(p.slot.at, c) for p in plan.placements for c in p.channel_ids]
    assert len(keys) == len(set(keys))
    assert {(p.slot.at, p.slot.channel_id) for p in plan.placements} <= {
        (s.at, s.channel_id) for s in slots
    }
    used = [p.idea.id for p in plan.placements]
    assert len(used) == len(set(used)) and set(used) <= {i.id for i in given}
    placed = snapshots_of(plan.placements)
    before = judge(list(calendar), policy)
    after = judge([*calendar, *placed], policy)
    assert acceptable(before, after, {p.id for p in placed}), [w.message for w in after]


@pytest.mark.parametrize(
    ("name", "given", "policy", "placed", "by_category", "missing"),
    [
        # Under 80/20 a week of three posts holds one promotion and a month of 14 holds three
        # (the allowance of issue 12; a bare 20% share used to forbid every promotion here).
        (
            "varied ideas, 80/20",
            ideas(
                ("promotional", 10), ("educational", 10), ("conversational", 10), ("curated", 10)
            ),
            DEFAULT_POLICY,
            39,
            {"promotional": 9, "educational": 10, "conversational": 10, "curated": 10},
            {"educational": 2, "conversational": 1},
        ),
        (
            "varied ideas, thirds",
            ideas(
                ("promotional", 10), ("educational", 10), ("conversational", 10), ("curated", 10)
            ),
            PRESETS["thirds"],
            38,
            None,
            None,
        ),
        (
            "only promotions: one per channel, the rest is what is missing",
            ideas(("promotional", 10)),
            DEFAULT_POLICY,
            3,
            {"promotional": 3},
            {"educational": 12, "conversational": 12, "curated": 9},
        ),
        (
            "never more ideas than exist",
            ideas(("educational", 2)),
            DEFAULT_POLICY,
            2,
            {"educational": 2},
            None,
        ),
        (
            "no ideas at all",
            [],
            DEFAULT_POLICY,
            0,
            {},
            None,
        ),
    ],
)
def test_fill_tables(name, given, policy, placed, by_category, missing) -> None:
    slots = mwf(1, 2, 3)
    assert len(slots) == 42
    plan = fill(slots, given, [], policy, TZ, now=NOW)
    assert len(plan.placements) == placed, name
    assert len(plan.placements) + len(plan.empty) == len(slots)
    if by_category is not None:
        assert dict(Counter(p.category for p in plan.placements)) == by_category
    if missing is not None:
        assert dict(plan.missing) == missing
    assert sum(plan.missing.values()) <= len(plan.empty)
    assert_sound(plan, slots, given, policy=policy)


def test_missing_ideas_once_added_fill_every_slot() -> None:
    slots = mwf(1)
    given = ideas(("promotional", 4))
    plan = fill(slots, given, [], DEFAULT_POLICY, TZ, now=NOW)
    # One promotion fits the channel's month; the other slots wait for other categories.
    assert len(plan.placements) == 1
    assert 0 < sum(plan.missing.values()) <= len(slots) - 1
    more = given + ideas(*plan.missing.items(), start=500)
    again = fill(slots, more, [], DEFAULT_POLICY, TZ, now=NOW)
    assert len(again.placements) == len(slots) and not again.missing
    assert_sound(again, slots, more)


def test_slot_category_is_preferred() -> None:
    weekly = [WeeklyTime(1, 0, time(10), "educational"), WeeklyTime(1, 2, time(10), "curated")]
    slots = slot_times(weekly, TZ, *MARCH)
    given = ideas(("conversational", 10), ("curated", 10), ("educational", 10))
    plan = fill(slots, given, [], DEFAULT_POLICY, TZ, now=NOW)
    for p in plan.placements:
        assert p.category == p.slot.category
    assert len(plan.placements) == len(slots)


def test_categories_are_spread_rather_than_bunched() -> None:
    slots = mwf(1)
    given = ideas(("educational", 6), ("conversational", 6), ("curated", 6))
    plan = fill(slots, given, [], DEFAULT_POLICY, TZ, now=NOW)
    cats = [p.category for p in plan.placements]
    assert all(a != b for a, b in zip(cats, cats[1:], strict=False))
    counts = Counter(cats)
    assert max(counts.values()) - min(counts.values()) <= 1


def test_promotions_wait_until_the_share_allows_them() -> None:
    # Five slots a week: one promotion in five is within 80/20, and never two in a row.
    weekly = [WeeklyTime(1, d, time(10)) for d in range(5)]
    slots = slot_times(weekly, TZ, *MARCH)
    given = ideas(("promotional", 10), ("educational", 20), ("conversational", 20))
    plan = fill(slots, given, [], DEFAULT_POLICY, TZ, now=NOW)
    assert len(plan.placements) == len(slots)
    assert 1 <= Counter(p.category for p in plan.placements)["promotional"] <= 5
    assert_sound(plan, slots, given)


def _existing(day: int, category: str, channel: int = 1, hour: int = 9) -> PostSnapshot:
    return PostSnapshot(
        id=day * 10 + channel,
        category=category,
        scheduled_at=datetime(2027, 3, day, hour, tzinfo=UTC),
        status="approved",
        channel_ids=(channel,),
    )


def test_existing_warnings_are_never_made_worse() -> None:
    # The week of 1 March already has two promotions in a row and is 2 of 2 promotional.
    calendar = [_existing(1, "promotional"), _existing(2, "promotional")]
    slots = mwf(1)
    given = ideas(("promotional", 5), ("educational", 5), ("conversational", 5))
    plan = fill(slots, given, calendar, DEFAULT_POLICY, TZ, now=NOW)
    first = plan.placements[0]
    assert first.slot.at == datetime(2027, 3, 1, 10, tzinfo=UTC)  # an hour after the first
    assert first.category != "promotional"
    assert_sound(plan, slots, given, calendar)
    after = judge([*calendar, *snapshots_of(plan.placements)])
    week = [w for w in after if w.rule == "max_share" and w.window_start.day == 1]
    assert week and all(w.actual < 1 for w in week)  # diluted, not worsened


def test_minimum_share_holds_back_posts_when_a_category_is_missing() -> None:
    # Thirds wants a quarter conversational once a month has four posts: with only
    # educational ideas, three posts is as far as the month can go without a warning.
    slots = mwf(1)
    plan = fill(slots, ideas(("educational", 20)), [], PRESETS["thirds"], TZ, now=NOW)
    assert len(plan.placements) == 3
    assert plan.missing.get("conversational", 0) >= 1


def test_channel_ideas_stay_on_their_channels_and_take_every_slot_at_that_time() -> None:
    slots = mwf(1, 2)
    both = Idea(id=1, category="educational", channel_ids=(1, 2))
    only_two = Idea(id=2, category="curated", channel_ids=(2,))
    plan = fill(slots, [both, only_two], [], DEFAULT_POLICY, TZ, now=NOW)
    by_id = {p.idea.id: p for p in plan.placements}
    assert by_id[1].channel_ids == (1, 2) and by_id[1].slot.channel_id == 1
    assert by_id[2].channel_ids == (2,)
    assert by_id[2].slot.at != by_id[1].slot.at  # the shared 10:00 slot of channel 2 was taken
    assert_sound(plan, slots, [both, only_two])


def test_evergreen_copies_wait_for_their_gap() -> None:
    slots = mwf(1)
    ready = datetime(2027, 3, 20, tzinfo=UTC)
    green = Idea(id=7, category="educational", source=EVERGREEN, not_before=ready)
    plan = fill(slots, [green], [], DEFAULT_POLICY, TZ, now=NOW)
    assert [p.slot.at for p in plan.placements] == [datetime(2027, 3, 22, 10, tzinfo=UTC)]


def test_fresh_ideas_come_before_evergreen_copies() -> None:
    slots = mwf(1)[:1]
    green = Idea(id=7, category="educational", source=EVERGREEN, not_before=MARCH[0])
    fresh = Idea(id=8, category="educational")
    plan = fill(slots, [green, fresh], [], DEFAULT_POLICY, TZ, now=NOW)
    assert [p.idea.id for p in plan.placements] == [8]


@pytest.mark.parametrize(
    ("rule", "before", "after", "new", "ok"),
    [
        ("max_share", 0.5, 0.4, set(), True),
        ("max_share", 0.5, 0.6, set(), False),
        ("min_share", 0.1, 0.2, set(), True),
        ("min_share", 0.2, 0.1, set(), False),
        ("max_share", None, 0.4, set(), False),
        ("streak", None, 3, {-1}, False),
        ("streak", None, 3, {-9}, True),
        ("quiet_gap", None, 9, {-1}, True),
    ],
)
def test_acceptable_table(rule, before, after, new, ok) -> None:
    from planner.guardrails import GuardrailWarning

    def warning(actual):
        return GuardrailWarning(
            rule=rule,
            severity="warn",
            channel_id=1,
            category="promotional",
            window_start=MARCH[0],
            window_end=MARCH[1],
            actual=actual,
            limit=0.2,
            post_ids=(1, -1) if rule == "streak" else (),
            message="",
        )

    old = [] if before is None else [warning(before)]
    assert acceptable(old, [warning(after)], new) is ok


def test_three_channels_and_forty_ideas_fill_well_under_a_second() -> None:
    slots = mwf(1, 2, 3)
    given = ideas(*((c, 10) for c in CATS))
    calendar = [_existing(d, CATS[d % 4], channel=1 + d % 3, hour=8) for d in range(1, 29)]
    start = clock.perf_counter()
    fill(slots, given, calendar, DEFAULT_POLICY, TZ, now=NOW)
    assert clock.perf_counter() - start < 1.0


def test_slot_times_keep_local_time_across_the_spring_change() -> None:
    slots = slot_times(
        [WeeklyTime(1, 0, time(10))], TZ, datetime(2027, 3, 20, tzinfo=UTC), MARCH[1]
    )
    assert [s.at for s in slots] == [
        datetime(2027, 3, 22, 10, tzinfo=UTC),
        datetime(2027, 3, 29, 9, tzinfo=UTC),  # 10:00 BST
    ]
    assert all(s.at.astimezone(TZ).hour == 10 for s in slots)
    assert slot_times([], TZ, *MARCH) == []
    assert slot_times([WeeklyTime(1, 0, time(10))], TZ, MARCH[1], MARCH[0]) == []


def test_slots_in_a_spring_forward_gap_move_forward() -> None:
    ny = ZoneInfo("America/New_York")
    slots = slot_times(
        [WeeklyTime(1, 6, time(2, 30))],
        ny,
        datetime(2027, 3, 13, tzinfo=UTC),
        datetime(2027, 3, 16, tzinfo=UTC),
    )
    assert [s.at.astimezone(ny).strftime("%H:%M") for s in slots] == ["03:30"]
    assert slots[0].at - timedelta(hours=7) == datetime(2027, 3, 14, 0, 30, tzinfo=UTC)
