"""The quota memo: a reading is trusted while fresh and roomy, counting our own posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from planner.connectors.quota_memo import QuotaMemo

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def test_no_reading_means_asking() -> None:
    assert not QuotaMemo().has_room("instagram:1", NOW)


def test_a_fresh_reading_with_room_is_trusted_until_the_margin() -> None:
    memo = QuotaMemo(margin=5)
    memo.note_reading("instagram:1", NOW, total=50, used=40)
    assert memo.has_room("instagram:1", NOW)
    for _ in range(4):
        memo.note_published("instagram:1")
    assert memo.has_room("instagram:1", NOW)  # 44 + 5 < 50
    memo.note_published("instagram:1")
    assert not memo.has_room("instagram:1", NOW)  # 45 + 5 is not below 50
    assert not memo.has_room("threads:1", NOW)  # accounts are kept apart


def test_an_old_reading_or_a_clock_gone_back_means_asking() -> None:
    memo = QuotaMemo(max_age=timedelta(minutes=5))
    memo.note_reading("threads:9", NOW, total=250, used=0)
    assert memo.has_room("threads:9", NOW + timedelta(minutes=4, seconds=59))
    assert not memo.has_room("threads:9", NOW + timedelta(minutes=5))
    assert not memo.has_room("threads:9", NOW - timedelta(seconds=1))


def test_forgetting_drops_the_reading_and_posts_before_a_reading_do_not_count() -> None:
    memo = QuotaMemo()
    memo.note_published("threads:9")
    memo.note_reading("threads:9", NOW, total=250, used=0)
    assert memo.has_room("threads:9", NOW)
    memo.forget("threads:9")
    assert not memo.has_room("threads:9", NOW)
