"""Property tests: evaluations split cleanly at week-and-month boundaries and match a naive count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.guardrails import (
    CATEGORIES,
    COUNTED_STATUSES,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    evaluate,
    load_span,
)
from planner.timeutils import local_midnight, months_between, weeks_between

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Asia/Kolkata",
]
# Monday 1 March 2027: both a week and a month start, so no window straddles it.
SPLIT_DAY = date(2027, 3, 1)
SHARES = [Fraction(1, 5), Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(0), Fraction(1)]
STATUSES = ["draft", "approved", "published", "in_review", "publishing", "rejected", "missed"]
CHANNEL_SETS = [(), (1,), (2,), (1, 2)]
SPREAD_HOURS = 35 * 24


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    posts: tuple[PostSnapshot, ...]
    start: datetime
    split: datetime
    end: datetime


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    """Draw a zone, posts within 35 days either side of the split, and a range around it."""
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    split = local_midnight(SPLIT_DAY, tz).astimezone(UTC)
    size = draw(st.integers(0, 80))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(-SPREAD_HOURS, SPREAD_HOURS) | st.just(None),
                st.sampled_from(CATEGORIES),
                st.sampled_from(STATUSES),
                st.sampled_from(CHANNEL_SETS),
            ),
            min_size=size,
            max_size=size,
        )
    )
    posts = tuple(
        PostSnapshot(
            post_id,
            category,
            None if hours is None else split + timedelta(hours=hours),
            status,
            channels,
        )
        for post_id, (hours, category, status, channels) in enumerate(rows, start=1)
    )
    before = timedelta(minutes=draw(st.integers(1, 35 * 24 * 60)))
    after = timedelta(minutes=draw(st.integers(1, 35 * 24 * 60)))
    return Calendar(tz, posts, split - before, split, split + after)


share_policies = st.builds(
    lambda promo, edu, conv, cur: Policy(
        preset="custom",
        max_share={"promotional": promo, "educational": edu},
        min_share={"conversational": conv, "curated": cur},
        streak={},
        quiet_gap_days=None,
    ),
    st.sampled_from(SHARES),
    st.sampled_from(SHARES),
    st.sampled_from([Fraction(1, 4), Fraction(1, 3), Fraction(0)]),
    st.sampled_from([Fraction(1, 5), Fraction(1, 2)]),
)
streak_policies = st.builds(
    lambda promo, edu: Policy(
        preset="custom",
        max_share={},
        streak={"promotional": promo, "educational": edu},
        quiet_gap_days=None,
    ),
    st.integers(1, 3),
    st.integers(1, 3),
)


def run(cal: Calendar, policy: Policy, start: datetime, end: datetime) -> list[GuardrailWarning]:
    return evaluate(cal.posts, policy, cal.tz, now=start, start=start, end=end)


def dicts(warnings: list[GuardrailWarning]) -> list[dict]:
    return [warning.to_dict() for warning in warnings]


def naive_windows(cal: Calendar) -> list[tuple[str, datetime, datetime]]:
    weeks = [("week", lo, hi) for lo, hi in weeks_between(cal.start, cal.end, cal.tz)]
    months = [("month", lo, hi) for lo, hi in months_between(cal.start, cal.end, cal.tz)]
    return weeks + months


def naive_groups(
    cal: Calendar,
) -> dict[tuple[str, datetime, datetime, int | None], list[PostSnapshot]]:
    """Scan every post for every window and channel: slow, obviously right, independent."""
    counted = [p for p in cal.posts if p.scheduled_at and p.status in COUNTED_STATUSES]
    groups = {c for p in counted for c in (p.channel_ids or (None,))}
    found = {}
    for kind, lo, hi in naive_windows(cal):
        for group in groups:
            inside = [
                p
                for p in counted
                if (group in p.channel_ids if group is not None else not p.channel_ids)
                and lo <= p.scheduled_at < hi
            ]
            if inside:
                found[(kind, lo, hi, group)] = sorted(inside, key=lambda p: (p.scheduled_at, p.id))
    return found


def naive_share_findings(cal: Calendar, policy: Policy) -> set[tuple]:
    found = set()
    for (kind, lo, hi, group), posts in naive_groups(cal).items():
        total = len(posts)
        for category, limit in policy.max_share.items():
            ids = tuple(p.id for p in posts if p.category == category)
            # Round half up in whole numbers: (2·s·n + 1) // 2, at least 1 unless s is 0.
            nearest = (2 * limit.numerator * total + limit.denominator) // (2 * limit.denominator)
            allowed = 0 if limit == 0 else max(1, nearest)
            if len(ids) > allowed:
                found.add(("max_share", lo, hi, group, category, ids))
        for category, limit in policy.min_share.items():
            count = sum(p.category == category for p in posts)
            if kind == "month" and total >= 4 and Fraction(count, total) < limit:
                found.add(("min_share", lo, hi, group, category, tuple(p.id for p in posts)))
    return found


def as_findings(warnings: list[GuardrailWarning]) -> set[tuple]:
    return {
        (w.rule, w.window_start, w.window_end, w.channel_id, w.category, w.post_ids)
        for w in warnings
    }


@settings(deadline=None)
@given(calendars(), share_policies)
def test_share_rules_decompose_at_a_week_and_month_boundary(cal: Calendar, policy: Policy) -> None:
    whole = run(cal, policy, cal.start, cal.end)
    parts = run(cal, policy, cal.start, cal.split) + run(cal, policy, cal.split, cal.end)
    assert dicts(whole) == dicts(parts)


@settings(deadline=None)
@given(calendars(), streak_policies)
def test_streaks_are_the_union_of_the_parts(cal: Calendar, policy: Policy) -> None:
    whole = run(cal, policy, cal.start, cal.end)
    parts = run(cal, policy, cal.start, cal.split) + run(cal, policy, cal.split, cal.end)
    unique = {str(d): d for d in dicts(parts)}
    assert sorted(map(str, dicts(whole))) == sorted(unique)


@settings(deadline=None)
@given(calendars(), streak_policies)
def test_streaks_decompose_when_no_run_crosses_the_split(cal: Calendar, policy: Policy) -> None:
    whole = run(cal, policy, cal.start, cal.end)
    times = {p.id: p.scheduled_at for p in cal.posts}
    assume(
        not any(
            min(times[i] for i in w.post_ids) < cal.split <= max(times[i] for i in w.post_ids)
            for w in whole
        )
    )
    parts = run(cal, policy, cal.start, cal.split) + run(cal, policy, cal.split, cal.end)
    assert dicts(whole) == dicts(parts)


@settings(deadline=None)
@given(calendars(), share_policies)
def test_share_rules_match_a_naive_count(cal: Calendar, policy: Policy) -> None:
    assert as_findings(run(cal, policy, cal.start, cal.end)) == naive_share_findings(cal, policy)


@settings(deadline=None)
@given(calendars(), share_policies)
def test_posts_outside_the_load_span_change_nothing(cal: Calendar, policy: Policy) -> None:
    lo, hi = load_span(cal.tz, cal.start, cal.end)
    inside = [p for p in cal.posts if p.scheduled_at and lo <= p.scheduled_at < hi]
    loaded = evaluate(inside, policy, cal.tz, now=cal.start, start=cal.start, end=cal.end)
    assert dicts(loaded) == dicts(run(cal, policy, cal.start, cal.end))


@settings(deadline=None)
@given(calendars())
def test_no_share_warnings_when_every_category_is_within_limits(cal: Calendar) -> None:
    maxima = dict.fromkeys(CATEGORIES, Fraction(0))
    month_minimum: Fraction | None = None
    for (kind, _lo, _hi, _group), posts in naive_groups(cal).items():
        for category in CATEGORIES:
            share = Fraction(sum(p.category == category for p in posts), len(posts))
            maxima[category] = max(maxima[category], share)
            if kind == "month" and len(posts) >= 4 and category == "conversational":
                month_minimum = share if month_minimum is None else min(month_minimum, share)
    minima = {} if month_minimum is None else {"conversational": month_minimum}
    policy = Policy(
        preset="custom", max_share=maxima, min_share=minima, streak={}, quiet_gap_days=None
    )
    assert run(cal, policy, cal.start, cal.end) == []

    # A maximum of 0 on any category that occurs, and some window goes over.
    for category, share in maxima.items():
        if share:
            tighter = policy.with_changes(max_share={category: Fraction(0)}, min_share={})
            assert any(w.category == category for w in run(cal, tighter, cal.start, cal.end))
