"""Image counts per channel and per-channel text variants in the one outgoing-text service."""

from __future__ import annotations

import pytest

from planner.connectors.bundle import Connectors
from planner.models import Channel
from planner.services import outgoing
from planner.services.errors import ValidationError
from planner.services.posts import PostInput
from tests.conftest import NOW
from tests.services.test_outgoing import SHOP, _channel

SKY = (
    {"service_url": "https://bsky.social", "handle": "shop.bsky.social"},
    {"app_password": "abcd-efgh-ijkl-mnop"},
)


def channels(connectors: Connectors) -> list[Channel]:
    return [
        _channel(connectors, 1, "bluesky", *SKY),
        _channel(
            connectors,
            2,
            "mastodon",
            {"instance_url": "https://toot.example"},
            {"access_token": "t"},
        ),
        _channel(
            connectors,
            3,
            "webhook",
            {"format": "discord"},
            {"url": "https://discord.example/api/webhooks/1/x"},
        ),
        _channel(connectors, 4, "outbox", {}, {}),
    ]


def draft(**values: object) -> PostInput:
    return PostInput(body="Rye is back", category="educational", scheduled_at=NOW, **values)


def test_each_channel_counts_images_against_its_own_maximum(connectors: Connectors) -> None:
    texts = outgoing.texts_for(
        draft(), channels(connectors), workspace=SHOP, connectors=connectors, now=NOW, images=5
    )
    assert [t.image_limit for t in texts] == [4, 4, 10, 10]
    assert [t.problem for t in texts] == [
        "Bluesky takes at most 4 images; this post has 5.",
        "Mastodon takes at most 4 images; this post has 5.",
        None,
        None,
    ]
    assert all(t.too_long is None for t in texts)


def test_submit_refuses_more_images_than_a_channel_takes_naming_it(
    connectors: Connectors,
) -> None:
    sky = channels(connectors)[:1]
    outgoing.require_fit(draft(), sky, workspace=SHOP, connectors=connectors, now=NOW, images=4)
    with pytest.raises(ValidationError) as caught:
        outgoing.require_fit(draft(), sky, workspace=SHOP, connectors=connectors, now=NOW, images=5)
    assert str(caught.value).startswith("Bluesky takes at most 4 images; this post has 5.")
    assert caught.value.fields == {"media": "Bluesky takes at most 4 images; this post has 5."}


def test_a_variant_replaces_the_body_on_its_channel_only_and_is_counted_there(
    connectors: Connectors,
) -> None:
    long_for_bluesky = "Our rye, slowly: " + "r" * 300
    post = draft(
        link="https://shop.example/rye",
        variants={"2": long_for_bluesky, "1": "   "},
    )
    sky, toot, *_ = outgoing.texts_for(
        post, channels(connectors), workspace=SHOP, connectors=connectors, now=NOW
    )
    assert sky.text == "Rye is back" and not sky.variant
    assert toot.text == long_for_bluesky and toot.variant
    assert toot.problem is None  # Mastodon takes 500
    assert toot.link.endswith("utm_source=mastodon&utm_medium=social&utm_campaign=2026-03")
    swapped = draft(variants={"1": long_for_bluesky})
    [sky] = outgoing.texts_for(
        swapped, channels(connectors)[:1], workspace=SHOP, connectors=connectors, now=NOW
    )
    assert sky.too_long == "317 of 300 characters on Bluesky"


def test_a_variant_has_its_own_links_tagged_for_its_platform(connectors: Connectors) -> None:
    post = draft(link="https://shop.example/rye", variants={"2": "Rye: https://shop.example/rye"})
    sky, toot, *_ = outgoing.texts_for(
        post, channels(connectors), workspace=SHOP, connectors=connectors, now=NOW
    )
    assert toot.text.startswith("Rye: https://shop.example/rye?utm_source=mastodon&")
    assert toot.composed == toot.text  # the variant quotes the link: no second copy below
    assert sky.composed.endswith(
        "\nhttps://shop.example/rye?utm_source=bluesky&utm_medium=social&utm_campaign=2026-03"
    )
