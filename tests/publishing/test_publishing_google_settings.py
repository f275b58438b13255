"""The Google Business settings a workspace chooses decide what the worker sends to Google."""

from __future__ import annotations

from typing import Any

import pytest

from planner.models import Channel, PostStatus
from planner.services import channel_settings, deliveries
from tests.conftest import NOW
from tests.factories import add_post
from tests.publishing.conftest import Desk
from tests.publishing.test_publishing_networks import (  # noqa: F401 (fixtures)
    fakes,
    google_channel,
    networks,
)


def publish(desk: Desk, channel: Channel, *, category: str, link: str | None) -> dict[str, Any]:
    """Publish one approved post to *channel*; return what Google received."""
    post = add_post(
        desk.session,
        desk.member,
        at=NOW,
        category=category,
        body="Two loaves for the price of one this week",
        status=PostStatus.APPROVED,
        channels=[channel.id],
        link=link,
        commit=False,
    )
    deliveries.schedule_for_post(session=desk.session, post=post, channel_ids=[channel.id], now=NOW)
    desk.session.commit()
    assert desk.tick() == 1
    assert desk.delivery(post).status == "published", desk.delivery(post).last_error
    return post


def choose(desk: Desk, channel: Channel, **settings: Any) -> None:
    channel_settings.change_settings(
        session=desk.session, acc=desk.acc, channel_id=channel.id, now=NOW, **settings
    )
    desk.session.commit()


def test_promotional_posts_go_out_as_offers_once_the_workspace_chooses(
    networks: Desk,  # noqa: F811
    fakes: dict[str, Any],  # noqa: F811
) -> None:
    fake = fakes["google_business"]
    channel = google_channel(networks, fake)
    publish(networks, channel, category="promotional", link="https://bakery.example/deal")
    assert fake.posts[-1]["topicType"] == "STANDARD"

    choose(networks, channel, promotions_as_offers=True)
    publish(networks, channel, category="promotional", link="https://bakery.example/deal")
    offer = fake.posts[-1]
    assert offer["topicType"] == "OFFER"
    assert offer["event"]["schedule"]["startDate"] == {
        "year": NOW.year,
        "month": NOW.month,
        "day": NOW.day,
    }
    assert offer["offer"] == {"redeemOnlineUrl": "https://bakery.example/deal"}
    # Other categories stay standard posts.
    publish(networks, channel, category="educational", link=None)
    assert fake.posts[-1]["topicType"] == "STANDARD"


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("ORDER", {"actionType": "ORDER", "url": "https://bakery.example/order"}),
        ("SHOP", {"actionType": "SHOP", "url": "https://bakery.example/order"}),
        ("CALL", {"actionType": "CALL"}),
        ("NONE", None),
    ],
)
def test_the_chosen_button_goes_on_the_post(
    networks: Desk,  # noqa: F811
    fakes: dict[str, Any],  # noqa: F811
    choice: str,
    expected: dict[str, str] | None,
) -> None:
    fake = fakes["google_business"]
    channel = google_channel(networks, fake)
    choose(networks, channel, call_to_action=choice)
    publish(networks, channel, category="educational", link="https://bakery.example/order")
    [sent] = fake.posts
    assert sent.get("callToAction") == expected
