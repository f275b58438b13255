"""The share allowance at its edges: how many posts of a category a window may hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import PRESETS, Policy, PostSnapshot, allowance, evaluate
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
EIGHTY_TWENTY = PRESETS["80-20"].with_changes(streak={}, quiet_gap_days=None)
THIRDS = PRESETS["thirds"].with_changes(min_share={}, streak={}, quiet_gap_days=None)
# Promotions each (weeks of 1 to 8 posts) may hold, written out rather than computed.
WEEK_ALLOWS = {
    "80-20": {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 2},
    "thirds": {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2, 8: 3},
}


def at(text: str) -> datetime:
    return local_to_utc(datetime.fromisoformat(text), BERLIN)


def posts(promotions: int, total: int, first: str = "2026-03-09 08:00", every: int = 3):
    """*total* posts on channel 1, every *every* hours, the first *promotions* promotional."""
    start = at(first)
    return [
        PostSnapshot(
            i + 1,
            "promotional" if i < promotions else "educational",
            start + timedelta(hours=every * i),
            "approved",
            (1,),
        )
        for i in range(total)
    ]


def warnings(calendar: list[PostSnapshot], policy: Policy, kind: str = "week"):
    found = evaluate(
        calendar, policy, BERLIN, now=at("2026-03-01"), start=at("2026-03-01"), end=at("2026-04-01")
    )
    days = 7 if kind == "week" else 31
    return [w for w in found if (w.window_end - w.window_start).days == days]


@pytest.mark.parametrize("preset", ["80-20", "thirds"])
@pytest.mark.parametrize(
    ("total", "promotions"), [(n, p) for n in range(1, 9) for p in range(4) if p <= n]
)
def test_a_week_of_one_to_eight_posts(preset: str, total: int, promotions: int) -> None:
    policy = EIGHTY_TWENTY if preset == "80-20" else THIRDS
    allowed = WEEK_ALLOWS[preset][total]
    found = warnings(posts(promotions, total), policy)
    assert bool(found) is (promotions > allowed)
    for warning in found:
        assert (warning.count, warning.total, warning.allowed) == (promotions, total, allowed)


@pytest.mark.parametrize(
    ("total", "promotions", "eighty_twenty_warns", "thirds_warns"),
    [
        (4, 1, False, False),  # allows 1 under both
        (4, 2, True, True),
        (12, 2, False, False),  # 80/20: 2.4 rounds to 2; thirds: exactly 4
        (12, 3, True, False),
        (12, 4, True, False),  # exactly a third is within the thirds rule
        (12, 5, True, True),
    ],
)
def test_months_of_four_and_twelve_posts(
    total: int, promotions: int, eighty_twenty_warns: bool, thirds_warns: bool
) -> None:
    # One post a week (4) or three a week (12), promotions spread one per week first, so up
    # to 4 promotions no week holds more than its allowance and only the month can warn.
    per_week = total // 4
    calendar = []
    for week in range(4):
        monday = at("2026-03-02 09:00") + timedelta(days=7 * week)
        for slot in range(per_week):
            n = len(calendar)
            promo = slot == 0 and week < promotions or slot == 1 and week + 4 < promotions
            category = "promotional" if promo else "educational"
            calendar.append(
                PostSnapshot(n + 1, category, monday + timedelta(days=slot), "approved", (1,))
            )
    assert sum(p.category == "promotional" for p in calendar) == promotions
    if promotions <= 4:
        assert warnings(calendar, EIGHTY_TWENTY) == warnings(calendar, THIRDS) == []
    assert bool(warnings(calendar, EIGHTY_TWENTY, "month")) is eighty_twenty_warns
    assert bool(warnings(calendar, THIRDS, "month")) is thirds_warns


def test_a_share_of_zero_allows_none() -> None:
    policy = EIGHTY_TWENTY.with_changes(max_share={"curated": Fraction(0)})
    calendar = [*posts(0, 6), PostSnapshot(50, "curated", at("2026-03-12 09:00"), "draft", (1,))]
    (week,) = warnings(calendar, policy)
    assert (week.count, week.allowed) == (1, 0)
    assert week.message.endswith("are curated; your limit allows none.") or week.message.endswith(
        "is curated; your limit allows none."
    )
    assert warnings(posts(0, 6), policy) == []


@pytest.mark.parametrize(
    ("share", "total", "allowed"),
    [
        (Fraction(0), 1, 0),
        (Fraction(0), 50, 0),
        (Fraction(1, 5), 1, 1),
        (Fraction(1, 5), 7, 1),
        (Fraction(1, 5), 8, 2),
        (Fraction(1, 5), 12, 2),
        (Fraction(1, 3), 3, 1),  # exact thirds: s·n is whole, nothing to round
        (Fraction(1, 3), 6, 2),
        (Fraction(1, 3), 9, 3),
        (Fraction(1, 3), 12, 4),
        (Fraction(1, 4), 2, 1),  # exactly half way: rounds up
        (Fraction(1, 4), 10, 3),  # 2.5 rounds up to 3, not to the even 2
        (Fraction(1, 4), 6, 2),  # 1.5 rounds up to 2
        (Fraction(1), 5, 5),
    ],
)
def test_allowance_table(share: Fraction, total: int, allowed: int) -> None:
    assert allowance(share, total) == allowed


def test_the_allowance_is_exact_for_a_float_written_share() -> None:
    # 0.3 is not exact in binary; read through the policy it is exactly 3/10, so 5 posts allow
    # round(1.5 + 0.5) = 2 rather than whatever a float product would floor to.
    policy = Policy.from_dict({"preset": "custom", "max_share": {"promotional": 0.3}})
    assert policy.max_share["promotional"] == Fraction(3, 10)
    assert allowance(policy.max_share["promotional"], 5) == 2
