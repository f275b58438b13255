"""The engagement job reads Facebook Page posts' figures like any other network's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from planner.models import Channel
from tests.conftest import NOW
from tests.factories import make_oauth_channel
from tests.fakes.meta import FakeMeta
from tests.publishing.conftest import Desk
from tests.publishing.test_engagement_job import published, readings, run, track

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def page(desk: Desk, fake_meta: FakeMeta) -> Channel:
    desk.app.config.update(
        HOST_OVERRIDES={"graph.facebook.com": fake_meta.url}, ALLOW_PRIVATE_HOSTS=True
    )
    desk.app.extensions.pop("planner.connectors", None)  # rebuilt with the overrides
    fake_page = fake_meta.page("1001")
    return make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="facebook",
        config={"page_id": "1001", "page_name": fake_page.name, "access_token": fake_page.token},
        expires_at=None,
        name="Corner Bakery",
    )


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
