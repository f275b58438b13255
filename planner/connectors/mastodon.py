"""Publish statuses to a Mastodon server with an access token."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from planner.connectors import multipart
from planner.connectors import text as textlib
from planner.connectors.base import (
    Connector,
    MediaItem,
    PublishRequest,
    PublishResult,
    require_text,
)
from planner.connectors.errors import (
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.http import HttpClient, clean_url
from planner.media import renditions

logger = logging.getLogger(__name__)

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23
DEFAULT_MAX_MEDIA = 4
DEFAULT_IMAGE_SIZE_LIMIT = 16 * 1024 * 1024  # Mastodon 4.x
DEFAULT_IMAGE_MATRIX_LIMIT = 33_177_600  # 7680 x 4320
MAX_DESCRIPTION = 1500
LIMIT_KEYS = ("max_characters", "max_media_attachments", "image_size_limit", "image_matrix_limit")


class MastodonConnector(Connector):
    """Post with ``Idempotency-Key`` so that a retry of the same delivery is de-duplicated.

    Mastodon keeps idempotency keys for one hour, so retries of an unknown outcome
    must happen within that hour to be safe.
    """

    platform = "mastodon"
    label = "Mastodon"
    max_length = DEFAULT_MAX_CHARACTERS
    image_limit = DEFAULT_MAX_MEDIA
    secret_fields = ("access_token",)
    config_fields = ("instance_url", "access_token")

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require the server address (``https://`` is assumed) and an access token."""
        errors: dict[str, str] = {}
        instance_url = require_text(
            config,
            "instance_url",
            "Enter your server's address, like https://mastodon.social",
            errors,
        )
        if instance_url:
            try:
                parts = urlsplit(clean_url(instance_url, default_scheme="https"))
                # Only the origin matters; people often paste their profile page.
                instance_url = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
            except ValueError as exc:
                errors["instance_url"] = str(exc)
        token = require_text(config, "access_token", "Paste the access token", errors)
        if token and any(char.isspace() for char in token):
            errors["access_token"] = "The access token cannot contain spaces"
        if errors:
            raise ConfigError(errors)
        cleaned = {"instance_url": instance_url, "access_token": token}
        # Channels connected with OAuth name their account (@user@domain), telling two
        # accounts on one server apart when one is connected again.
        account = config.get("account")
        if isinstance(account, str) and account.strip():
            cleaned["account"] = account.strip()[:300]
        return cleaned

    def limit(self) -> int | None:
        """Return the server's own limit once known (some allow 5,000), else 500."""
        return int(self.state.get("max_characters", DEFAULT_MAX_CHARACTERS))

    def images(self) -> int | None:
        """Return the server's own ``max_media_attachments`` once known, else 4."""
        return int(self.state.get("max_media_attachments", DEFAULT_MAX_MEDIA))

    def rendition(self, item: MediaItem) -> MediaItem:
        """Fit the image within the server's ``image_size_limit`` and ``image_matrix_limit``."""
        try:
            made = renditions.for_mastodon(
                item.data,
                size_limit=int(self.state.get("image_size_limit", DEFAULT_IMAGE_SIZE_LIMIT)),
                matrix_limit=int(self.state.get("image_matrix_limit", DEFAULT_IMAGE_MATRIX_LIMIT)),
                digest=item.digest,
            )
        except renditions.RenditionError as exc:
            raise PermanentError(str(exc)) from exc
        return dataclasses.replace(
            item, data=made.data, mime=made.mime, width=made.width, height=made.height, sha256=None
        )

    @property
    def url_length(self) -> int:
        """How many characters the server counts for any link (23 unless it says otherwise)."""
        return int(self.state.get("characters_reserved_per_url", DEFAULT_URL_LENGTH))

    def count(self, text: str, link: str | None = None) -> int:
        """Count graphemes with each URL as the server's fixed width and @user@domain as @user."""
        return textlib.mastodon_length(self.compose(text, link), self.url_length)

    def check(self) -> str:
        """Verify the token, refresh the server's limits, and return the account's address."""
        client = HttpClient(self.options)
        account = client.request(
            "GET", self._url("/api/v1/accounts/verify_credentials"), headers=self._auth()
        ).json_object()
        self._load_limits(client)
        acct = str(account.get("acct") or account.get("username") or "")
        if "@" not in acct:
            acct = f"{acct}@{urlsplit(self.config['instance_url']).hostname}"
        return f"@{acct}"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Post a public status, reusing the delivery's key so that retries post once.

        Images are uploaded first, on every attempt: the server throws away uploads that no
        status uses, and the key makes sure only one status is ever made.
        """
        client = HttpClient(self.options)
        needed = LIMIT_KEYS if request.media else LIMIT_KEYS[:1]
        if any(key not in self.state for key in needed):
            self._load_limits(client)
        text = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        media_ids = [self._upload(client, self.rendition(item)) for item in request.media]
        body: dict[str, Any] = {"status": text, "visibility": "public"}
        if media_ids:
            body["media_ids"] = media_ids
        response = client.request(
            "POST",
            self._url("/api/v1/statuses"),
            json=body,
            headers={**self._auth(), "Idempotency-Key": request.idempotency_key},
            safe_to_retry=True,
        )
        try:
            status = response.json_object()
        except PermanentError as exc:
            raise UnknownOutcomeError(
                f"{exc.message}; the status may have been published", safe_to_retry=True
            ) from exc
        status_id = status.get("id")
        logger.info("Published delivery %s to Mastodon as %s", request.delivery_id, status_id)
        return PublishResult(
            external_id=str(status_id) if status_id is not None else None,
            external_url=status.get("url") or status.get("uri"),
        )

    def _upload(self, client: HttpClient, item: MediaItem) -> str:
        """Upload one image with its alt text and return its id once the server has processed it."""
        body, content_type = multipart.encode(
            [("description", item.alt[:MAX_DESCRIPTION])] if item.alt else [],
            [
                multipart.FilePart(
                    "file", f"image.{multipart.extension(item.mime)}", item.mime, item.data
                )
            ],
        )
        media = client.request(
            "POST",
            self._url("/api/v2/media"),
            data=body,
            headers={**self._auth(), "Content-Type": content_type},
            safe_to_retry=True,  # an upload no status uses is harmless and cleaned up
        ).json_object()
        media_id = str(media.get("id") or "")
        if not media_id:
            raise PermanentError("Mastodon accepted an image upload but gave it no id")
        # 202 and a null url mean the server is still processing the file: look again shortly.
        for wait in self.options.media_poll_seconds:
            if media.get("url"):
                return media_id
            time.sleep(wait)
            media = client.request(
                "GET", self._url(f"/api/v1/media/{media_id}"), headers=self._auth()
            ).json_object()
        if media.get("url"):
            return media_id
        raise TransientError(f"Mastodon is still processing image {media_id}; trying again later")

    def _url(self, path: str) -> str:
        return f"{self.config['instance_url']}{path}"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['access_token']}"}

    def _load_limits(self, client: HttpClient) -> None:
        """Cache the server's character, URL, attachment and image limits in ``state``."""
        try:
            data = client.request("GET", self._url("/api/v2/instance")).json_object()
        except PermanentError as exc:
            if exc.status not in (404, 410):
                raise
            # Servers older than Mastodon 4.0 (and some forks) only have the v1 endpoint.
            data = client.request("GET", self._url("/api/v1/instance")).json_object()
        configuration = data.get("configuration")
        statuses = configuration.get("statuses") if isinstance(configuration, dict) else None
        statuses = statuses if isinstance(statuses, dict) else {}
        media = configuration.get("media_attachments") if isinstance(configuration, dict) else None
        media = media if isinstance(media, dict) else {}
        max_characters = statuses.get("max_characters") or data.get("max_toot_chars")
        url_length = statuses.get("characters_reserved_per_url")
        self._set_state(
            max_characters=_positive_int(max_characters, DEFAULT_MAX_CHARACTERS),
            characters_reserved_per_url=_positive_int(url_length, DEFAULT_URL_LENGTH),
            max_media_attachments=_positive_int(
                statuses.get("max_media_attachments"), DEFAULT_MAX_MEDIA
            ),
            image_size_limit=_positive_int(media.get("image_size_limit"), DEFAULT_IMAGE_SIZE_LIMIT),
            image_matrix_limit=_positive_int(
                media.get("image_matrix_limit"), DEFAULT_IMAGE_MATRIX_LIMIT
            ),
        )


def _positive_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default
