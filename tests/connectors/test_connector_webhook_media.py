"""Images through webhooks (signed URLs, Slack image blocks, Discord uploads) and the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import PermanentError, UnknownOutcomeError
from planner.connectors.outbox import OutboxConnector
from planner.connectors.webhook import WebhookConnector
from tests.fakes import FakeWebhook
from tests.fakes.images import media_item

Build = Callable[..., PublishRequest]
SIGNED = "https://planner.example/m/abc123?expires=1741946400&sig=f00d"


def hook(fake: FakeWebhook, format: str, options: ConnectorOptions) -> WebhookConnector:
    return WebhookConnector({"url": fake.url_for(format), "format": format}, options=options)


def test_generic_lists_each_image_by_its_signed_url(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    media = (media_item("Bread", url=SIGNED), media_item("Cake", url=SIGNED + "2"))
    hook(fake_webhook, "generic", options).publish(make_request(media=media))
    [message] = fake_webhook.messages
    assert message["json"]["media"] == [
        {"url": SIGNED, "alt": "Bread", "mime": "image/png", "width": 40, "height": 30},
        {"url": SIGNED + "2", "alt": "Cake", "mime": "image/png", "width": 40, "height": 30},
    ]


def test_slack_gets_image_blocks_with_alt_text(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    media = (media_item("Bread", url=SIGNED), media_item("", url=SIGNED + "2"))
    hook(fake_webhook, "slack", options).publish(make_request(media=media))
    [message] = fake_webhook.messages
    assert message["json"]["text"] == "Fresh sourdough today"
    assert message["json"]["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Fresh sourdough today"}},
        {"type": "image", "image_url": SIGNED, "alt_text": "Bread"},
        {"type": "image", "image_url": SIGNED + "2", "alt_text": "Image"},
    ]


def test_slack_without_image_addresses_is_refused_before_sending(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="PLANNER_BASE_URL"):
        hook(fake_webhook, "slack", options).publish(make_request(media=(media_item(),)))
    assert fake_webhook.requests == []


def test_discord_uploads_the_files_with_their_descriptions(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    media = (media_item("Bread"), media_item("Cake"))
    result = hook(fake_webhook, "discord", options).publish(make_request(media=media))
    [message] = fake_webhook.messages
    assert message["query"] == {"wait": "true"}
    assert message["json"]["content"] == "Fresh sourdough today"
    assert message["json"]["allowed_mentions"] == {"parse": []}
    assert [(f["filename"], f["description"]) for f in message["files"]] == [
        ("image-1.png", "Bread"),
        ("image-2.png", "Cake"),
    ]
    assert [f["data"] for f in message["files"]] == [media[0].data, media[1].data]
    assert result.external_id == message["id"]


def test_discord_takes_at_most_ten_images(
    fake_webhook: FakeWebhook, options: ConnectorOptions, make_request: Build
) -> None:
    connector = hook(fake_webhook, "discord", options)
    assert connector.check_images(10) is None
    with pytest.raises(PermanentError, match=r"^Discord takes at most 10 images; this post has 11"):
        connector.publish(make_request(media=(media_item(),) * 11))
    assert fake_webhook.requests == []


@pytest.mark.parametrize(("format", "path"), [("discord", "/discord/"), ("generic", "/hooks/")])
def test_a_lost_reply_is_never_resent_because_webhooks_do_not_deduplicate(
    fake_webhook: FakeWebhook,
    options: ConnectorOptions,
    make_request: Build,
    format: str,
    path: str,
) -> None:
    fake_webhook.reset_next(path=path)
    with pytest.raises(UnknownOutcomeError) as caught:
        hook(fake_webhook, format, options).publish(make_request(media=(media_item(url=SIGNED),)))
    assert caught.value.safe_to_retry is False
    assert len(fake_webhook.messages) == 1


def test_outbox_line_lists_the_images_and_their_stored_keys(
    options: ConnectorOptions, make_request: Build
) -> None:
    connector = OutboxConnector({}, options=options)
    media = (
        media_item("Bread", key="media/1/ab/abcdef.png", url=SIGNED),
        media_item("Cake", key="media/1/cd/cdef01.png"),
    )
    connector.publish(make_request(media=media))
    connector.publish(make_request(media=media, attempt=2))
    assert options.outbox_dir is not None
    [line] = (options.outbox_dir / "channel-2.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert [(m["key"], m["alt"], m["url"]) for m in entry["media"]] == [
        ("media/1/ab/abcdef.png", "Bread", SIGNED),
        ("media/1/cd/cdef01.png", "Cake", None),
    ]
    assert entry["media"][0]["sha256"] == media[0].digest
