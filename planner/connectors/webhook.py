"""Post to an incoming webhook: a generic JSON endpoint, Slack, or Discord."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from planner.connectors import multipart
from planner.connectors import text as textlib
from planner.connectors.base import (
    Connector,
    MediaItem,
    PublishRequest,
    PublishResult,
    require_text,
)
from planner.connectors.errors import ConfigError, PermanentError, TransientError
from planner.connectors.http import HttpClient, clean_url
from planner.connectors.replies import (
    Response,
    error_for_response,
    error_text,
    retry_after_seconds,
)
from planner.media import renditions

logger = logging.getLogger(__name__)

FORMATS = ("generic", "slack", "discord")
FORMAT_LABELS = {"generic": "the webhook", "slack": "Slack", "discord": "Discord"}
DISCORD_MAX_LENGTH = 2000
DISCORD_FILE_BYTES = 10 * 1024 * 1024  # the upload limit of a server without boosts
SLACK_ALT_LENGTH = 2000
# Slack answers these with a plain-text reason; none of them gets better by retrying.
SLACK_PERMANENT = frozenset({400, 403, 404, 410})


class WebhookConnector(Connector):
    """Send each post as one webhook call; webhooks do not de-duplicate retries."""

    platform = "webhook"
    label = "Webhook"
    max_length = None
    image_limit = 10  # Discord's attachments per message; Slack and generic get the post's 10
    secret_fields = ("url",)
    config_fields = ("url", "format")

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require a web address and one of the known formats (generic by default)."""
        errors: dict[str, str] = {}
        url = require_text(config, "url", "Enter the webhook address", errors)
        if url:
            try:
                url = clean_url(url)
            except ValueError as exc:
                errors["url"] = str(exc)
        format_ = config.get("format") or "generic"
        if format_ not in FORMATS:
            errors["format"] = "Choose generic, Slack or Discord"
        if errors:
            raise ConfigError(errors)
        return {"url": url, "format": format_}

    @property
    def format(self) -> str:
        """Return which kind of webhook this is."""
        return str(self.config["format"])

    def limit(self) -> int | None:
        """Return Discord's 2,000-character cap; the other formats have none we know of."""
        return DISCORD_MAX_LENGTH if self.format == "discord" else None

    def count(self, text: str, link: str | None = None) -> int:
        """Count characters as Discord does (code points), graphemes elsewhere."""
        composed = self.compose(text, link)
        if self.format == "discord":
            return len(composed)
        return textlib.graphemes(composed)

    def check_length(self, text: str, link: str | None = None) -> str | None:
        """Return a message naming the service when the post is too long."""
        limit = self.limit()
        if limit is None:
            return None
        length = self.count(text, link)
        if length > limit:
            return f"{length} of {limit} characters on {FORMAT_LABELS[self.format]}"
        return None

    def check_images(self, count: int) -> str | None:
        """Return a message naming the service when the post has more images than it takes."""
        problem = super().check_images(count)
        return problem and problem.replace(self.label, FORMAT_LABELS[self.format].capitalize(), 1)

    def rendition(self, item: MediaItem) -> MediaItem:
        """Fit an image Discord receives as a file within its upload limit; others get a URL."""
        if self.format != "discord":
            return item
        try:
            made = renditions.for_upload(
                item.data, size_limit=DISCORD_FILE_BYTES, digest=item.digest
            )
        except renditions.RenditionError as exc:
            raise PermanentError(str(exc)) from exc
        return dataclasses.replace(
            item, data=made.data, mime=made.mime, width=made.width, height=made.height, sha256=None
        )

    def check(self) -> str:
        """Check the webhook without posting anything visible."""
        client = HttpClient(self.options)
        url = self.config["url"]
        host = urlsplit(url).hostname
        if self.format == "discord":
            data = client.request("GET", url).json_object()
            return f"Discord webhook {data.get('name') or data.get('id') or ''}".strip()
        if self.format == "slack":
            # An empty message is refused with 400 by a live webhook, 403/404/410 by a dead one.
            response = client.request("POST", url, json={"text": ""}, check=False)
            if response.status != 400 and not response.ok:
                raise _slack_error(response)
            return f"Slack webhook on {host}"
        client.probe(url)
        return f"Webhook on {host} is reachable"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Send the post; a lost reply is never retried because webhooks do not de-duplicate."""
        text = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        media = tuple(self.rendition(item) for item in request.media)
        client = HttpClient(self.options)
        if self.format == "slack":
            result = self._publish_slack(client, text, media)
        elif self.format == "discord":
            result = self._publish_discord(client, text, media)
        else:
            result = self._publish_generic(client, text, request)
        logger.info("Published delivery %s to a %s webhook", request.delivery_id, self.format)
        return result

    def _publish_generic(
        self, client: HttpClient, text: str, request: PublishRequest
    ) -> PublishResult:
        payload: dict[str, Any] = {
            "text": text,
            "link": request.link,
            "post_id": request.post_id,
            "channel_id": request.channel_id,
            "delivery_id": request.delivery_id,
            "idempotency_key": request.idempotency_key,
            "category": request.category,
            "scheduled_at": request.scheduled_at.isoformat(),
        }
        if request.media:
            payload["media"] = [
                {
                    "url": item.url,
                    "alt": item.alt,
                    "mime": item.mime,
                    "width": item.width,
                    "height": item.height,
                }
                for item in request.media
            ]
        response = client.request(
            "POST",
            self.config["url"],
            json=payload,
            headers={"Idempotency-Key": request.idempotency_key},
        )
        return PublishResult(external_id=_reply_id(response), external_url=None)

    def _publish_slack(
        self, client: HttpClient, text: str, media: tuple[MediaItem, ...]
    ) -> PublishResult:
        payload: dict[str, Any] = {"text": text}
        if media:
            payload["blocks"] = slack_blocks(text, media)
        response = client.request("POST", self.config["url"], json=payload, check=False)
        if not response.ok:
            raise _slack_error(response)
        return PublishResult(external_id=None, external_url=None)

    def _publish_discord(
        self, client: HttpClient, text: str, media: tuple[MediaItem, ...]
    ) -> PublishResult:
        # No parsing of mentions: post text must never ping @everyone or a role.
        payload: dict[str, Any] = {"content": text, "allowed_mentions": {"parse": []}}
        url = discord_wait_url(self.config["url"])
        if media:
            body, content_type = discord_upload(payload, media)
            response = client.request(
                "POST", url, data=body, headers={"Content-Type": content_type}, check=False
            )
        else:
            response = client.request("POST", url, json=payload, check=False)
        if response.status == 429:
            # Discord's body gives the wait in fractional seconds, finer than Retry-After.
            body = _json_or_none(response)
            retry_after = retry_after_seconds(response.headers, response.received_at)
            if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
                retry_after = float(body["retry_after"])
            raise TransientError(error_text(response), status=429, retry_after=retry_after)
        if not response.ok:
            raise error_for_response(response)
        data = _json_or_none(response)
        if not isinstance(data, dict) or "id" not in data:
            return PublishResult(external_id=None, external_url=None)
        message_id = str(data["id"])
        external_url = None
        if data.get("guild_id") and data.get("channel_id"):
            external_url = (
                f"https://discord.com/channels/{data['guild_id']}/{data['channel_id']}/{message_id}"
            )
        return PublishResult(external_id=message_id, external_url=external_url)


def slack_blocks(text: str, media: tuple[MediaItem, ...]) -> list[dict[str, Any]]:
    """Return Slack blocks: the text, then each image by its signed URL with its alt text."""
    missing = sum(1 for item in media if not item.url)
    if missing:
        raise PermanentError(
            "Slack fetches images from a public address, and this planner has none to give: "
            "set PLANNER_BASE_URL (or use S3 storage) so that images get signed links"
        )
    blocks: list[dict[str, Any]] = []
    if text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    for item in media:
        alt = item.alt.strip() or "Image"
        blocks.append({"type": "image", "image_url": item.url, "alt_text": alt[:SLACK_ALT_LENGTH]})
    return blocks


def discord_upload(payload: dict[str, Any], media: tuple[MediaItem, ...]) -> tuple[bytes, str]:
    """Return a multipart body: ``payload_json`` naming each file's alt text, then the files."""
    names = [f"image-{n + 1}.{multipart.extension(item.mime)}" for n, item in enumerate(media)]
    attachments = [
        {"id": n, "filename": name, "description": item.alt[:1024]}
        for n, (name, item) in enumerate(zip(names, media, strict=True))
    ]
    fields = [("payload_json", json.dumps({**payload, "attachments": attachments}))]
    files = [
        multipart.FilePart(f"files[{n}]", name, item.mime, item.data)
        for n, (name, item) in enumerate(zip(names, media, strict=True))
    ]
    return multipart.encode(fields, files)


def discord_wait_url(url: str) -> str:
    """Return *url* with ``wait=true``, so that Discord reports a message it did not save."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "wait"]
    query.append(("wait", "true"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _slack_error(response: Response) -> Exception:
    if response.status in SLACK_PERMANENT:
        error = error_for_response(response)
        return PermanentError(error.message, status=response.status, code=error.code)
    return error_for_response(response)


def _json_or_none(response: Response) -> Any:
    """Return the JSON reply, or ``None`` for the plain-text replies webhooks often give."""
    try:
        return json.loads(response.body) if response.body else None
    except ValueError:
        return None


def _reply_id(response: Response) -> str | None:
    data = _json_or_none(response)
    if isinstance(data, dict) and data.get("id") is not None:
        return str(data["id"])
    return None
