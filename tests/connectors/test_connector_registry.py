from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.connectors import CONNECTORS, Connector, UnknownPlatform, get_connector
from planner.connectors.errors import ConfigError
from planner.connectors.outbox import OutboxConnector
from planner.connectors.webhook import WebhookConnector

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def test_registry_lists_every_platform() -> None:
    assert list(CONNECTORS) == [
        "outbox",
        "webhook",
        "mastodon",
        "bluesky",
        "facebook",
        "instagram",
        "threads",
        "linkedin",
        "google_business",
    ]
    for platform, connector in CONNECTORS.items():
        assert get_connector(platform) is connector
        assert connector.platform == platform
        assert connector.label
        assert set(connector.secret_fields) <= set(connector.config_fields)


def test_unknown_platform_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        get_connector("myspace")
    with pytest.raises(UnknownPlatform, match="myspace"):
        get_connector("myspace")


@pytest.mark.parametrize(
    ("text", "link", "sent"),
    [
        ("Hello", None, "Hello"),
        ("Hello", "", "Hello"),
        ("Hello  \n", "https://a.io", "Hello\nhttps://a.io"),
        ("See https://a.io today", "https://a.io", "See https://a.io today"),
        ("", "https://a.io", "https://a.io"),
    ],
)
def test_compose_puts_the_link_on_its_own_line(text: str, link: str | None, sent: str) -> None:
    assert OutboxConnector({}).compose(text, link) == sent


def test_default_idempotency_key_is_a_fresh_uuid_hex() -> None:
    first = Connector.new_idempotency_key(NOW)
    assert len(first) == 32 and int(first, 16) >= 0
    assert Connector.new_idempotency_key(NOW) != first


def test_constructor_validates_the_config() -> None:
    with pytest.raises(ConfigError) as caught:
        WebhookConnector({"url": ""})
    assert caught.value.fields == {"url": "Enter the webhook address"}
    assert "Enter the webhook address" in caught.value.message


def test_state_starts_unchanged() -> None:
    connector = OutboxConnector({}, state={"a": 1})
    assert connector.state == {"a": 1}
    assert connector.state_changed is False
