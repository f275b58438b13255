"""The explicit list of platforms planner can publish to."""

from __future__ import annotations

from planner.connectors.base import Connector
from planner.connectors.bluesky import BlueskyConnector
from planner.connectors.facebook import FacebookConnector
from planner.connectors.google_business import GoogleBusinessConnector
from planner.connectors.instagram import InstagramConnector
from planner.connectors.linkedin import LinkedInConnector
from planner.connectors.mastodon import MastodonConnector
from planner.connectors.outbox import OutboxConnector
from planner.connectors.threads import ThreadsConnector
from planner.connectors.webhook import WebhookConnector

CONNECTORS: dict[str, type[Connector]] = {
    "outbox": OutboxConnector,
    "webhook": WebhookConnector,
    "mastodon": MastodonConnector,
    "bluesky": BlueskyConnector,
    "facebook": FacebookConnector,
    "instagram": InstagramConnector,
    "threads": ThreadsConnector,
    "linkedin": LinkedInConnector,
    "google_business": GoogleBusinessConnector,
}


class UnknownPlatform(KeyError):
    """No connector is registered under this platform name."""

    def __init__(self, platform: str) -> None:
        super().__init__(platform)
        self.platform = platform

    def __str__(self) -> str:
        return f"Unknown platform: {self.platform!r}"


def get_connector(platform: str) -> type[Connector]:
    """Return the connector class for *platform*, raising ``UnknownPlatform`` if there is none."""
    try:
        return CONNECTORS[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None
