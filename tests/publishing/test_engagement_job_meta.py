"""The engagement job reads Facebook Page posts' figures like any other network's."""

from __future__ import annotations

from datetime import timedelta

from planner.models import Channel
from tests.conftest import NOW
from tests.fakes.meta import FakeMeta
from tests.publishing.conftest import Desk
from tests.publishing.test_engagement_job import published, readings, run, track

H = timedelta(hours=1)
M = timedelta(minutes=1)


def test_facebook_posts_are_read_on_schedule(
    desk: Desk, fake_meta: FakeMeta, page: Channel
) -> None:
    [post] = published(desk, [page])
    external_id = desk.delivery(post).external_id or ""
    fake_meta.set_engagement(external_id, reactions=8, comments=2, shares=1)
    assert run(desk, NOW) == 0

    assert run(desk, NOW + H + M) == 1

    [reading] = readings(desk, post)
    assert (reading.replies, reading.reposts, reading.quotes, reading.likes) == (2, 1, 0, 8)
    assert track(desk, post).next_at is not None


def test_a_deleted_facebook_post_stops_its_schedule(
    desk: Desk, fake_meta: FakeMeta, page: Channel
) -> None:
    [post] = published(desk, [page])
    run(desk, NOW)
    fake_meta.delete(desk.delivery(post).external_id or "")

    assert run(desk, NOW + H + M) == 1

    gone = track(desk, post)
    assert (gone.state, gone.next_at) == ("deleted", None)
    assert readings(desk, post) == []
