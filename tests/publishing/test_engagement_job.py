"""The worker's engagement job: the schedule's steps, deleted posts, 429s, budgets and races."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from planner import create_app
from planner.config import engagement_schedule
from planner.connectors.mastodon import MastodonConnector
from planner.db import get_engine
from planner.engagement_models import EngagementReading, EngagementTrack
from planner.models import Channel, Post
from planner.publishing import context, engagement_claims, engagement_job
from planner.timeutils import utcnow
from tests.conftest import NOW
from tests.fakes import FakeBluesky, FakeMastodon
from tests.publishing.conftest import Desk

H = timedelta(hours=1)
# The worker publishes at NOW plus however long its tick took: a minute's margin after each due
# time keeps the tests independent of a slow machine.
M = timedelta(minutes=1)
DELAYS = engagement_schedule("1h,6h,24h,72h,168h")


def mastodon(desk: Desk, fake: FakeMastodon) -> Channel:
    return desk.channel("mastodon", {"instance_url": fake.url, "access_token": "test-token"})


def published(desk: Desk, channels: list[Channel], count: int = 1) -> list[Post]:
    """Approve *count* posts on *channels* and let the worker publish them at NOW."""
    posts = [desk.approved_post(channels, body=f"Bread {n}") for n in range(count)]
    desk.tick(NOW)
    for post in posts:
        assert all(d.status == "published" for d in desk.deliveries(post))
    return posts


def run(desk: Desk, at: datetime) -> int:
    return engagement_job.run(desk.app, now=at)


def readings(desk: Desk, post: Post) -> list[EngagementReading]:
    desk.session.expire_all()
    return list(
        desk.session.exec(
            select(EngagementReading)
            .where(EngagementReading.post_id == post.id)
            .order_by(col(EngagementReading.id))
        )
    )


def track(desk: Desk, post: Post) -> EngagementTrack:
    desk.session.expire_all()
    [delivery] = desk.deliveries(post)
    found = desk.session.get(EngagementTrack, delivery.id)
    assert found is not None
    return found


def status_reads(fake: FakeMastodon) -> int:
    return len(fake.requests_to("/api/v1/statuses/", "GET"))


def test_readings_follow_the_schedule_then_stop(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    [post] = published(desk, [mastodon(desk, fake_mastodon)])
    status_id = desk.delivery(post).external_id
    assert status_id is not None

    assert run(desk, NOW + 30 * timedelta(minutes=1)) == 0  # enrolled, nothing due yet
    assert track(desk, post).step == 0
    fake_mastodon.set_counts(status_id, replies=2, favourites=5)
    assert run(desk, NOW + H + M) == 1
    assert run(desk, NOW + 2 * H) == 0  # not again before 6 h
    fake_mastodon.set_counts(status_id, replies=3, favourites=4)  # a like taken back
    for hours in (6, 24, 72, 168):
        assert run(desk, NOW + hours * H + M) == 1
    assert run(desk, NOW + 400 * H) == 0

    rows = readings(desk, post)
    assert [(r.replies, r.likes) for r in rows] == [(2, 5)] + [(3, 4)] * 4
    # The job's clock starts at the given instant and runs on while it reads.
    assert [int((r.read_at - NOW).total_seconds()) for r in rows] == [
        h * 3600 + 60 for h in (1, 6, 24, 72, 168)
    ]
    assert track(desk, post).state == "done" and track(desk, post).next_at is None
    assert status_reads(fake_mastodon) == 5
    assert [r.latest for r in rows] == [False] * 4 + [True]  # the one Insights counts


def test_a_late_worker_reads_once_for_the_steps_it_missed(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    [post] = published(desk, [mastodon(desk, fake_mastodon)])
    run(desk, NOW)

    assert run(desk, NOW + 30 * H) == 1  # 1 h, 6 h and 24 h all passed: one reading
    assert run(desk, NOW + 31 * H) == 0
    assert (track(desk, post).step, track(desk, post).next_at) == (
        3,
        track(desk, post).published_at + 72 * H,
    )


def test_the_schedule_comes_from_the_setting(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    desk.app.config["ENGAGEMENT_SCHEDULE"] = "30m,2h"
    [post] = published(desk, [mastodon(desk, fake_mastodon)])
    run(desk, NOW)
    assert run(desk, NOW + timedelta(minutes=31)) == 1
    assert run(desk, NOW + 2 * H + timedelta(minutes=1)) == 1
    assert track(desk, post).state == "done"
    assert len(readings(desk, post)) == 2


def test_a_deleted_post_stops_its_schedule(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    [post] = published(desk, [mastodon(desk, fake_mastodon)])
    run(desk, NOW)
    fake_mastodon.delete_status(desk.delivery(post).external_id or "")

    assert run(desk, NOW + H + M) == 1
    assert run(desk, NOW + 200 * H) == 0

    gone = track(desk, post)
    assert (gone.state, gone.next_at) == ("deleted", None)
    assert "Record not found" in (gone.last_error or "")
    assert readings(desk, post) == []
    assert status_reads(fake_mastodon) == 1


def test_a_429_defers_the_account_until_its_reset(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    posts = published(desk, [mastodon(desk, fake_mastodon)], count=3)
    run(desk, NOW)
    # The reset is an absolute time, read against the real clock as the platform means it.
    reset = (utcnow() + timedelta(minutes=4)).isoformat().replace("+00:00", "Z")
    fake_mastodon.fail_next(
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        path="/api/v1/statuses/",
        times=10,
    )
    at = NOW + H + M
    run(desk, at)
    tried = status_reads(fake_mastodon)
    assert tried >= 1
    for post in posts:
        waiting = track(desk, post)
        assert waiting.state == "scheduled"
        # Every reading of the account waits for X-RateLimit-Reset, not only the one refused.
        assert waiting.next_at is not None
        assert waiting.next_at >= NOW + H + M + timedelta(minutes=3, seconds=50)
    assert run(desk, NOW + H + 3 * M) == 0
    assert status_reads(fake_mastodon) == tried


def test_each_channel_keeps_within_its_read_budget(
    desk: Desk, fake_mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MastodonConnector, "read_limit", 6)  # a budget of 3 per 5 minutes
    posts = published(desk, [mastodon(desk, fake_mastodon)], count=5)
    run(desk, NOW)

    assert run(desk, NOW + H + M) == 3
    assert run(desk, NOW + H + 3 * M) == 0  # the window still holds 3 reads
    assert run(desk, NOW + H + 6 * M + timedelta(seconds=10)) == 2
    assert sum(len(readings(desk, p)) for p in posts) == 5


def test_a_reading_that_makes_two_requests_counts_twice_in_the_budget(
    desk: Desk, fake_mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MastodonConnector, "read_limit", 12)  # 6 requests per 5 minutes
    monkeypatch.setattr(MastodonConnector, "reads_per_engagement", 2)  # so 3 readings
    published(desk, [mastodon(desk, fake_mastodon)], count=5)
    run(desk, NOW)

    assert run(desk, NOW + H + M) == 3
    assert run(desk, NOW + H + 3 * M) == 0


def test_outbox_deliveries_are_not_tracked(desk: Desk) -> None:
    [post] = published(desk, [desk.channel("outbox", {})])
    assert run(desk, NOW + H + M) == 0
    desk.session.expire_all()
    assert desk.session.exec(select(EngagementTrack)).all() == []
    assert readings(desk, post) == []


def test_bluesky_posts_are_read_and_the_session_kept(desk: Desk, fake_bluesky: FakeBluesky) -> None:
    [post] = published(desk, [desk.bluesky(fake_bluesky)])
    uri = desk.delivery(post).external_id or ""
    fake_bluesky.set_counts(uri, replyCount=1, repostCount=2, quoteCount=3, likeCount=4)
    run(desk, NOW)

    assert run(desk, NOW + H + M) == 1

    [reading] = readings(desk, post)
    assert (reading.replies, reading.reposts, reading.quotes, reading.likes) == (1, 2, 3, 4)
    assert fake_bluesky.sessions_created == 1  # the publish's session was reused


def test_two_claims_at_once_never_share_a_reading(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    published(desk, [mastodon(desk, fake_mastodon)], count=6)
    run(desk, NOW)
    at = NOW + H + M
    engine = get_engine(desk.app)
    registry = {"mastodon": MastodonConnector}
    with Session(engine) as first, Session(engine) as second:
        a = engagement_claims.claim_due(
            first, now=at, limit=4, lease=timedelta(minutes=2), token="a", registry=registry
        )
        first.commit()
        b = engagement_claims.claim_due(
            second, now=at, limit=10, lease=timedelta(minutes=2), token="b", registry=registry
        )
        second.commit()
    assert len(a) == 4 and len(b) == 2 and not set(a) & set(b)


def test_two_workers_racing_read_each_post_once(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    posts = published(desk, [mastodon(desk, fake_mastodon)], count=8)
    run(desk, NOW)
    at = NOW + H + M
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        ctx = context.build(desk.app, now=at)
        barrier.wait()
        counts.append(engagement_job.read_due(ctx, delays=DELAYS))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sum(counts) == 8
    assert status_reads(fake_mastodon) == 8
    assert [len(readings(desk, p)) for p in posts] == [1] * 8


def test_a_reading_left_by_a_dead_worker_comes_back_after_its_lease(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    [post] = published(desk, [mastodon(desk, fake_mastodon)])
    run(desk, NOW)
    at = NOW + H + M
    with Session(get_engine(desk.app)) as s:
        [claimed] = engagement_claims.claim_due(
            s,
            now=at,
            limit=5,
            lease=timedelta(minutes=2),
            token="dead",
            registry={"mastodon": MastodonConnector},
        )
        s.commit()
    assert run(desk, at + timedelta(minutes=1)) == 0  # still leased
    assert run(desk, at + timedelta(minutes=3)) == 1
    assert len(readings(desk, post)) == 1 and track(desk, post).step == 1


def test_the_app_refuses_to_start_with_a_bad_schedule(app_config: dict) -> None:
    with pytest.raises(ValueError, match="PLANNER_ENGAGEMENT_SCHEDULE: '5x'"):
        create_app({**app_config, "ENGAGEMENT_SCHEDULE": "1h,5x"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1h,6h,24h,72h,168h", (1, 6, 24, 72, 168)),
        (" 30m , 2h,3d", (0.5, 2, 72)),
    ],
)
def test_schedule_setting_is_parsed(value: str, expected: tuple[float, ...]) -> None:
    assert engagement_schedule(value) == tuple(h * H for h in expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty"),
        ("1h,fortnight", "'fortnight' is not a delay"),
        ("6h,1h", "'1h' must come after"),
        ("0h", "'0h' is not a delay"),
    ],
)
def test_a_bad_schedule_setting_is_refused_clearly(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        engagement_schedule(value)
