"""Publish statuses to a Mastodon server with an access token."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from planner.connectors import text as textlib
from planner.connectors.base import Connector, PublishRequest, PublishResult, require_text
from planner.connectors.errors import ConfigError, PermanentError, UnknownOutcomeError
from planner.connectors.http import HttpClient, clean_url

logger = logging.getLogger(__name__)

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23


class MastodonConnector(Connector):
    """Post with ``Idempotency-Key`` so that a retry of the same delivery is de-duplicated.

    Mastodon keeps idempotency keys for one hour, so retries of an unknown outcome
    must happen within that hour to be safe.
    """

    platform = "mastodon"
    label = "Mastodon"
    max_length = DEFAULT_MAX_CHARACTERS
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
        return {"instance_url": instance_url, "access_token": token}

    def limit(self) -> int | None:
        """Return the server's own limit once known (some allow 5,000), else 500."""
        return int(self.state.get("max_characters", DEFAULT_MAX_CHARACTERS))

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
        """Post a public status, reusing the delivery's key so that retries post once."""
        client = HttpClient(self.options)
        if "max_characters" not in self.state:
            self._load_limits(client)
        text = self._refuse_if_too_long(request.text, request.link)
        response = client.request(
            "POST",
            self._url("/api/v1/statuses"),
            json={"status": text, "visibility": "public"},
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

    def _url(self, path: str) -> str:
        return f"{self.config['instance_url']}{path}"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['access_token']}"}

    def _load_limits(self, client: HttpClient) -> None:
        """Cache the server's character limit and URL width in ``state``."""
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
        max_characters = statuses.get("max_characters") or data.get("max_toot_chars")
        url_length = statuses.get("characters_reserved_per_url")
        self._set_state(
            max_characters=_positive_int(max_characters, DEFAULT_MAX_CHARACTERS),
            characters_reserved_per_url=_positive_int(url_length, DEFAULT_URL_LENGTH),
        )


def _positive_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return default
