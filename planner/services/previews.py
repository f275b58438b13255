"""How a post will look on each of its channels: the text, the images' crop, the link card.

Pure layout decisions from the outgoing texts (``outgoing.ChannelText``) and the post's images;
the composer and the review queue render them. The crops follow what each network's own app
shows, so a person sees that Mastodon cuts a tall photo to 16:9 before it goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from planner.media import renditions
from planner.services.outgoing import ChannelText

# Aspect ratios (width / height) each network shows images at, by how many there are.
# None: the image keeps its own shape (within the network's bounds).
CROPS: dict[str, dict[int, float | None]] = {
    "bluesky": {1: None, 2: 1.0, 3: 1.0, 4: 3 / 2},
    "mastodon": {1: 16 / 9, 2: 8 / 9, 3: 8 / 9, 4: 16 / 9},
    "discord": {1: None, 2: 1.0, 3: 1.0, 4: 1.0},
}
SINGLE_BOUNDS = {"bluesky": (1 / 2, 2.0), "discord": (1 / 3, 3.0)}  # tallest and widest shown
NETWORK_NAMES = {
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "discord": "Discord",
    "slack": "Slack",
    "webhook": "Webhook",
    "outbox": "Outbox",
}


@dataclass(frozen=True)
class PreviewImage:
    """One image of the post as the preview shows it: where to load it and its shape."""

    url: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class ShownImage:
    """An image in a preview: cropped to ``aspect`` (width / height) as the network does."""

    url: str
    alt: str
    aspect: float
    cropped: bool


@dataclass(frozen=True)
class CardDetails:
    """What the page behind a post's link says of itself (read when the post was saved).

    ``problem`` says why nothing could be read; ``image_url`` loads the stored thumbnail.
    """

    title: str | None = None
    description: str | None = None
    image_url: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class LinkCard:
    """The card a network draws for a link when the post has no images.

    Bluesky's card is built by planner from the page (``details``); the other networks'
    are drawn by the network itself, so the preview shows where the link goes.
    """

    url: str
    host: str
    details: CardDetails | None = None


@dataclass(frozen=True)
class Preview:
    """One channel's post as its network will show it."""

    channel_id: int | None
    channel_name: str
    network: str  # bluesky, mastodon, discord, slack, webhook, outbox
    network_name: str
    text: str
    images: tuple[ShownImage, ...]
    hidden_images: int  # images past what the network shows (over its limit)
    card: LinkCard | None
    problem: str | None
    image_limit: int | None = None  # the most images the channel takes (None: no limit known)


def rules() -> dict[str, object]:
    """The crop rules and Instagram's shapes, for the composer's script to draw images not saved yet."""
    low, high = renditions.INSTAGRAM_RATIOS
    return {
        "crops": CROPS,
        "bounds": SINGLE_BOUNDS,
        "instagram": [low, high, renditions.RATIO_SLACK],
    }


def network_of(text: ChannelText) -> str:
    """Which network's look applies: a webhook looks like Discord or Slack when it is one."""
    platform = text.channel.platform
    if platform == "webhook":
        fmt = (text.channel.config or {}).get("format")
        return fmt if fmt in ("discord", "slack") else "webhook"
    return platform


def previews(
    texts: Sequence[ChannelText],
    images: Sequence[PreviewImage],
    details: CardDetails | None = None,
) -> list[Preview]:
    """Return how each channel in *texts* shows the post with *images*, in the same order.

    *details* fill in the link card where planner builds it (Bluesky).
    """
    return [_preview(text, images, details) for text in texts]


def _preview(
    text: ChannelText, images: Sequence[PreviewImage], details: CardDetails | None = None
) -> Preview:
    network = network_of(text)
    limit = text.image_limit if text.image_limit is not None else len(images)
    shown = list(images[:limit])
    card = None
    if text.link and not shown and network in ("bluesky", "mastodon", "discord", "slack"):
        card = LinkCard(
            url=text.link,
            host=urlsplit(text.link).hostname or text.link,
            details=details if network == "bluesky" else None,
        )
    return Preview(
        channel_id=text.channel.id,
        channel_name=text.channel.name,
        network=network,
        network_name=NETWORK_NAMES.get(network, network.title()),
        text=text.composed,
        images=tuple(crop(network, image, len(shown)) for image in shown),
        hidden_images=len(images) - len(shown),
        card=card,
        problem=text.problem,
        image_limit=text.image_limit,
    )


def crop(network: str, image: PreviewImage, count: int) -> ShownImage:
    """Return *image* as *network* shows it among *count* images: its own shape or a crop."""
    own = image.width / image.height if image.width and image.height else 1.0
    rule = CROPS.get(network, {})
    aspect = rule.get(min(count, max(rule))) if rule else None
    if aspect is None:
        low, high = SINGLE_BOUNDS.get(network, (0.0, float("inf")))
        aspect = min(max(own, low), high)
    return ShownImage(url=image.url, alt=image.alt, aspect=aspect, cropped=abs(aspect - own) > 0.01)
