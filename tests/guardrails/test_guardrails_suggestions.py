"""Candidate fixes, before any check: which posts, days, counts and ideas each warning proposes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import DEFAULT_POLICY, PRESETS, Policy, PostSnapshot, evaluate
from planner.guardrails.suggestions import Idea, candidates

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2027, 2, 1, tzinfo=UTC)
MONTH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
HORIZON = (MONTH[0] - timedelta(days=22), MONTH[1] + timedelta(days=22))


def _post(pid: int, day: int, category: str, status: str = "draft") -> PostSnapshot:
    return PostSnapshot(pid, category, datetime(2027, 3, day, 9, tzinfo=UTC), status, (1,))


def _warnings(posts, policy: Policy = DEFAULT_POLICY):
    return evaluate(posts, policy, UTC_ZONE, now=NOW, start=MONTH[0], end=MONTH[1], channels=[1])


def _for(rule: str, posts, policy: Policy = DEFAULT_POLICY, ideas=(), now=NOW):
    warning = next(w for w in _warnings(posts, policy) if w.rule == rule)
    return candidates(warning, posts, UTC_ZONE, now=now, horizon=HORIZON, ideas=ideas)


EVERY_OTHER_DAY = [_post(100 + d, d, "educational") for d in range(1, 32, 2) if d not in (9, 11)]


def test_too_many_promotions_propose_category_changes_and_moves_of_those_posts() -> None:
    posts = [*EVERY_OTHER_DAY, _post(1, 8, "promotional"), _post(2, 10, "promotional")]
    found = _for("max_share", posts)
    assert {c.action for c in found} == {"recategorize", "move"}
    assert {c.post_id for c in found} == {1, 2}
    recat = next(c for c in found if c.action == "recategorize")
    assert recat.category != "promotional" and recat.changed[0].category == recat.category
    move = next(c for c in found if c.action == "move")
    assert not date(2027, 3, 8) <= move.to < date(2027, 3, 15)  # out of the crowded week
    assert move.changed[0].scheduled_at.date() == move.to
    assert move.changed[0].scheduled_at.time() == datetime(2027, 3, 8, 9).time()


@pytest.mark.parametrize("status", ["approved", "published", "publishing"])
def test_approved_or_sent_posts_are_never_proposed(status: str) -> None:
    posts = [*EVERY_OTHER_DAY, _post(1, 8, "promotional", status), _post(2, 10, "promotional")]
    assert {c.post_id for c in _for("max_share", posts)} == {2}


def test_posts_whose_time_has_passed_are_never_proposed() -> None:
    posts = [*EVERY_OTHER_DAY, _post(1, 8, "promotional"), _post(2, 10, "promotional")]
    later = datetime(2027, 3, 9, tzinfo=UTC)
    assert {c.post_id for c in _for("max_share", posts, now=later)} == {2}


def test_a_streak_offers_an_idea_of_another_category_between_two_posts() -> None:
    posts = [*EVERY_OTHER_DAY, *(_post(i, 7 + i, "promotional") for i in (1, 2, 3))]
    ideas = [
        Idea(7, "promotional", "Another sale", ()),
        Idea(8, "conversational", "Which loaf next?", (2,)),  # another channel
        Idea(9, "conversational", "Your favourite bake?", ()),
    ]
    found = _for("streak", posts, ideas=ideas)
    added = next(c for c in found if c.action == "add")
    assert [i.id for i in added.ideas] == [9]
    assert added.category == "conversational"
    assert "between Tue 9 Mar, 09:00 and Wed 10 Mar, 09:00" in added.message  # after the 2nd
    middle = next(c for c in found if c.action == "recategorize")
    assert middle.post_id == 2  # the middle post splits 3 into 1 and 1


@pytest.mark.parametrize(
    ("conversational", "total", "needed"),
    [(0, 4, 2), (1, 8, 2), (1, 7, 1), (0, 12, 4), (3, 15, 1)],
)
def test_too_little_conversation_counts_the_posts_that_fix_the_month(
    conversational: int, total: int, needed: int
) -> None:
    """(c + n) / (t + n) >= 1/4 solved for the smallest n, at "thirds"."""
    posts = [
        _post(i, 1 + i * 2, "conversational" if i < conversational else "educational")
        for i in range(total)
    ]
    (fix,) = _for("min_share", posts, PRESETS["thirds"])
    assert fix.action == "add" and fix.count == needed and len(fix.added) == needed
    assert all(MONTH[0] <= p.scheduled_at < MONTH[1] for p in fix.added)
    assert f"Add {needed} conversational post" in fix.message


def test_a_quiet_gap_names_as_many_dates_as_it_needs() -> None:
    posts = [_post(1, 1, "educational"), _post(2, 21, "educational"), _post(3, 27, "curated")]
    (fix,) = _for("quiet_gap", posts)
    # 20 days with at most 7 between posts: two posts, a third and two thirds of the way.
    assert fix.count == 2
    assert fix.dates == (date(2027, 3, 8), date(2027, 3, 14))
    assert fix.to_dict()["dates"] == ["2027-03-08", "2027-03-14"]


def test_json_shape_has_only_the_keys_that_apply() -> None:
    posts = [*EVERY_OTHER_DAY, _post(1, 8, "promotional"), _post(2, 10, "promotional")]
    shown = [c.to_dict() for c in _for("max_share", posts)]
    recat = next(s for s in shown if s["action"] == "recategorize")
    assert set(recat) == {"action", "post_id", "category", "message"}
    move = next(s for s in shown if s["action"] == "move")
    assert set(move) == {"action", "post_id", "to", "message"}
