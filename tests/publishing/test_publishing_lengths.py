"""Each channel's own count decides whether a post fits: the check review and the composer use."""

from __future__ import annotations

from planner.services import deliveries
from planner.web.channels import connector_options, secret_box
from tests.fakes import FakeBluesky, FakeMastodon
from tests.publishing.conftest import Desk


def test_length_problems_name_each_channel_over_its_limit(
    desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    sky = desk.channel(
        "bluesky",
        {
            "service_url": fake_bluesky.url,
            "handle": fake_bluesky.handle,
            "app_password": fake_bluesky.password,
        },
    )
    outbox = desk.channel("outbox", {})
    # 320 graphemes: too long for Bluesky (300), fine for Mastodon (500) and the outbox.
    post = desk.approved_post([toots, sky, outbox], body="👍🏽" * 320)

    with desk.app.app_context():
        found = deliveries.length_problems(
            session=desk.session, post=post, box=secret_box(), options=connector_options()
        )

    assert found == {sky.id: "320 of 300 characters on Bluesky"}


def test_a_long_post_is_over_on_every_short_channel(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    post = desk.approved_post([toots], body="x" * 501)

    with desk.app.app_context():
        found = deliveries.length_problems(
            session=desk.session, post=post, box=secret_box(), options=connector_options()
        )

    assert found == {toots.id: "501 of 500 characters on Mastodon"}
