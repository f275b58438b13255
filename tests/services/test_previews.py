"""How each network shows a post: crops by image count, link cards, images over the limit."""

from __future__ import annotations

import pytest

from planner.models import Channel
from planner.services.outgoing import ChannelText
from planner.services.previews import CardDetails, PreviewImage, crop, previews

TALL = PreviewImage(url="/m/tall.jpg", alt="A tall loaf", width=900, height=1600)
WIDE = PreviewImage(url="/m/wide.jpg", alt="The counter", width=1600, height=900)


def text_for(platform: str, *, link: str | None = None, limit: int | None = 4, **config):
    channel = Channel(id=7, workspace_id=1, name=f"My {platform}", platform=platform, config=config)
    return ChannelText(
        channel=channel,
        text="Hello",
        link=link,
        composed=f"Hello\n{link}" if link else "Hello",
        counted=True,
        image_limit=limit,
    )


@pytest.mark.parametrize(
    ("network", "image", "count", "aspect", "cropped"),
    [
        ("mastodon", TALL, 1, 16 / 9, True),
        ("mastodon", WIDE, 1, 16 / 9, False),
        ("mastodon", WIDE, 2, 8 / 9, True),
        ("bluesky", TALL, 1, 900 / 1600, False),
        ("bluesky", PreviewImage("/m/strip.jpg", "", 300, 1500), 1, 0.5, True),
        ("bluesky", WIDE, 2, 1.0, True),
        ("bluesky", WIDE, 4, 1.5, True),
        ("discord", TALL, 1, 900 / 1600, False),
        ("outbox", TALL, 3, 900 / 1600, False),
    ],
)
def test_each_network_crops_as_its_app_does(
    network: str, image: PreviewImage, count: int, aspect: float, cropped: bool
) -> None:
    shown = crop(network, image, count)
    assert shown.aspect == pytest.approx(aspect)
    assert shown.cropped is cropped


def test_a_webhook_looks_like_the_service_it_posts_to() -> None:
    [discord, slack, generic] = previews(
        [
            text_for("webhook", format="discord"),
            text_for("webhook", format="slack"),
            text_for("webhook", format="generic"),
        ],
        [],
    )
    assert (discord.network, slack.network, generic.network) == ("discord", "slack", "webhook")
    assert discord.network_name == "Discord"


def test_a_link_without_images_gets_a_card_and_images_replace_it() -> None:
    [card] = previews([text_for("bluesky", link="https://shop.example/rye")], [])
    assert card.card is not None and card.card.host == "shop.example"
    [photo] = previews([text_for("bluesky", link="https://shop.example/rye")], [WIDE])
    assert photo.card is None and len(photo.images) == 1
    [plain] = previews([text_for("outbox", link="https://shop.example/rye")], [])
    assert plain.card is None


def test_images_over_the_network_limit_are_counted_not_shown() -> None:
    [sky] = previews([text_for("bluesky", limit=4)], [WIDE] * 5)
    assert len(sky.images) == 4 and sky.hidden_images == 1


def test_bluesky_shows_the_card_read_from_the_page_and_others_only_where_it_goes() -> None:
    link = "https://bakery.example/sourdough"
    details = CardDetails(title="Fresh sourdough", description="Baked at dawn.", image_url="/t")
    sky, toot = previews(
        [text_for("bluesky", link=link), text_for("mastodon", link=link)], [], details
    )
    assert sky.card is not None and sky.card.details == details
    assert toot.card is not None and toot.card.details is None
    assert toot.card.host == "bakery.example"
    [with_image] = previews([text_for("bluesky", link=link)], [WIDE], details)
    assert with_image.card is None  # the image is what Bluesky shows
