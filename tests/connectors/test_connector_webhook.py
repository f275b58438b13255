from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.webhook import WebhookConnector, discord_wait_url
from tests.fakes import FakeWebhook, closed_port_url

Build = Callable[..., PublishRequest]


def hook(fake: FakeWebhook, format: str, options: ConnectorOptions) -> WebhookConnector:
    return WebhookConnector({"url": fake.url_for(format), "format": format}, options=options)


def test_generic_sends_the_post_fields(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    result = hook(fake_webhook, "generic", options).publish(
        make_request(text="Soup of the day", link="https://shop.example/soup")
    )
    [message] = fake_webhook.messages
    assert message["json"] == {
        "text": "Soup of the day\nhttps://shop.example/soup",
        "link": "https://shop.example/soup",
        "post_id": 3,
        "channel_id": 2,
        "delivery_id": 7,
        "idempotency_key": "key-7",
        "category": "promo",
        "scheduled_at": "2025-03-14T09:30:00+00:00",
    }
    assert message["headers"]["idempotency-key"] == "key-7"
    assert result.external_id == message["id"]


def test_slack_sends_only_text(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    result = hook(fake_webhook, "slack", options).publish(make_request())
    assert fake_webhook.messages[0]["json"] == {"text": "Fresh sourdough today"}
    assert result.external_id is None


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (403, "action_prohibited"),
        (404, "no_service"),
        (410, "channel_is_archived"),
    ],
)
def test_slack_refusals_are_permanent(
    fake_webhook: FakeWebhook,
    options: ConnectorOptions,
    make_request: Build,
    status: int,
    body: str,
) -> None:
    fake_webhook.fail_next(status, body)
    with pytest.raises(PermanentError) as caught:
        hook(fake_webhook, "slack", options).publish(make_request())
    assert caught.value.message == body
    assert not isinstance(caught.value, AuthError)


def test_slack_rate_limit_is_transient(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    fake_webhook.fail_next(429, "rate_limited", {"Retry-After": "30"})
    with pytest.raises(TransientError) as caught:
        hook(fake_webhook, "slack", options).publish(make_request())
    assert caught.value.retry_after == 30


def test_discord_waits_and_blocks_mentions(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    result = hook(fake_webhook, "discord", options).publish(make_request(text="@everyone sale!"))
    [message] = fake_webhook.messages
    assert message["query"] == {"wait": "true"}
    assert message["json"] == {"content": "@everyone sale!", "allowed_mentions": {"parse": []}}
    assert result.external_id == message["id"]
    assert result.external_url == f"https://discord.com/channels/42/777/{message['id']}"


def test_discord_keeps_an_existing_query(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    url = fake_webhook.url_for("discord") + "?thread_id=55&wait=false"
    WebhookConnector({"url": url, "format": "discord"}, options=options).publish(make_request())
    assert fake_webhook.messages[0]["query"] == {"thread_id": "55", "wait": "true"}


def test_discord_wait_url() -> None:
    assert (
        discord_wait_url("https://d.com/api/webhooks/1/t")
        == "https://d.com/api/webhooks/1/t?wait=true"
    )


def test_discord_rate_limit_uses_the_precise_body_value(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    fake_webhook.rate_limit_next(retry_after=0.25)
    with pytest.raises(TransientError) as caught:
        hook(fake_webhook, "discord", options).publish(make_request())
    assert caught.value.retry_after == 0.25
    assert caught.value.message == "You are being rate limited."
    assert fake_webhook.messages == []


def test_discord_unknown_webhook_is_permanent(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    url = fake_webhook.url.rstrip("/") + "/discord/api/webhooks/999/gone"
    connector = WebhookConnector({"url": url, "format": "discord"}, options=options)
    with pytest.raises(PermanentError, match="Unknown Webhook"):
        connector.publish(make_request())


def test_discord_limit_is_2000_characters(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    connector = hook(fake_webhook, "discord", options)
    assert connector.limit() == 2000
    assert connector.check_length("x" * 2000) is None
    assert (
        connector.check_length("x" * 1990, "https://a.io/") == "2004 of 2000 characters on Discord"
    )
    with pytest.raises(PermanentError, match="2001 of 2000"):
        connector.publish(make_request(text="x" * 2001))
    assert fake_webhook.requests == []


def test_generic_counts_graphemes_without_limit(
    fake_webhook: FakeWebhook, options: ConnectorOptions
) -> None:
    connector = hook(fake_webhook, "generic", options)
    assert connector.count("👍🏽👍🏽") == 2
    assert connector.limit() is None
    assert connector.check_length("x" * 50_000) is None


@pytest.mark.parametrize("format", ["generic", "slack", "discord"])
def test_lost_reply_is_not_safe_to_retry(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build, format: str
) -> None:
    fake_webhook.reset_next()
    with pytest.raises(UnknownOutcomeError) as caught:
        hook(fake_webhook, format, options).publish(make_request())
    assert caught.value.safe_to_retry is False
    assert len(fake_webhook.messages) == 1


def test_slow_reply_is_an_unknown_outcome(
    fake_webhook: FakeWebhook, slow_options: ConnectorOptions, make_request: Build
) -> None:
    fake_webhook.delay_next(2)
    with pytest.raises(UnknownOutcomeError) as caught:
        hook(fake_webhook, "generic", slow_options).publish(make_request())
    assert caught.value.safe_to_retry is False


def test_server_error_is_transient(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    fake_webhook.fail_next(503, {"error": "maintenance"})
    with pytest.raises(TransientError, match="maintenance"):
        hook(fake_webhook, "generic", options).publish(make_request())


def test_refused_connection_is_transient(options: ConnectorOptions, make_request: Build) -> None:
    connector = WebhookConnector({"url": closed_port_url() + "/hook"}, options=options)
    with pytest.raises(TransientError):
        connector.publish(make_request())


def test_private_webhook_address_is_refused(make_request: Build) -> None:
    connector = WebhookConnector({"url": "https://10.0.0.5/hook", "format": "slack"})
    with pytest.raises(UnsafeDestinationError):
        connector.publish(make_request())


def test_check_does_not_post(fake_webhook: FakeWebhook, options: ConnectorOptions) -> None:
    assert hook(fake_webhook, "discord", options).check() == "Discord webhook planner"
    assert "Slack webhook" in hook(fake_webhook, "slack", options).check()
    assert "reachable" in hook(fake_webhook, "generic", options).check()
    assert fake_webhook.messages == []


def test_check_reports_a_dead_slack_webhook(
    fake_webhook: FakeWebhook, options: ConnectorOptions
) -> None:
    fake_webhook.fail_next(404, "no_service")
    with pytest.raises(PermanentError, match="no_service"):
        hook(fake_webhook, "slack", options).check()


def test_validate_config() -> None:
    assert WebhookConnector.validate_config({"url": " https://hooks.example/x "}) == {
        "url": "https://hooks.example/x",
        "format": "generic",
    }
    with pytest.raises(ConfigError) as caught:
        WebhookConnector.validate_config({"url": "ftp://x", "format": "teams"})
    assert set(caught.value.fields) == {"url", "format"}
    with pytest.raises(ConfigError) as caught:
        WebhookConnector.validate_config({})
    assert "url" in caught.value.fields
    assert WebhookConnector.secret_fields == ("url",)
