"""What every connector offers the worker and the web layer, and the values they exchange."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from planner.connectors import text as textlib
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)

__all__ = [
    "AuthError",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "ConnectorOptions",
    "PermanentError",
    "PublishRequest",
    "PublishResult",
    "TransientError",
    "UnknownOutcomeError",
    "UnsafeDestinationError",
]


@dataclass(frozen=True)
class ConnectorOptions:
    """Deployment-wide settings that no channel can change."""

    allow_private_hosts: bool = False
    outbox_dir: Path | None = None
    timeout: float = 15.0
    user_agent: str = "planner/0.1"


@dataclass(frozen=True)
class PublishRequest:
    """One attempt at one delivery; ``idempotency_key`` stays the same on every retry."""

    delivery_id: int
    idempotency_key: str
    text: str
    link: str | None
    post_id: int
    channel_id: int
    category: str
    scheduled_at: datetime
    attempt: int = 1


@dataclass(frozen=True)
class PublishResult:
    """Where the published post can be found on the platform."""

    external_id: str | None
    external_url: str | None


class Connector(ABC):
    """Publishes to one channel of one platform; subclasses fill in the platform's rules."""

    platform: ClassVar[str]
    label: ClassVar[str]
    max_length: ClassVar[int | None] = None
    secret_fields: ClassVar[tuple[str, ...]] = ()
    config_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        state: Mapping[str, Any] | None = None,
        options: ConnectorOptions | None = None,
    ) -> None:
        self.config = self.validate_config(config)
        self.state: dict[str, Any] = dict(state or {})
        self.state_changed = False
        self.options = options or ConnectorOptions()

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Return the cleaned settings or raise ``ConfigError``; never touches the network."""
        return {}

    @classmethod
    def new_idempotency_key(cls, now: datetime) -> str:
        """Return a fresh key for a new delivery, to be reused on all of its retries."""
        return uuid.uuid4().hex

    def limit(self) -> int | None:
        """Return the length limit that applies to this channel, or ``None`` for none."""
        return self.max_length

    @property
    def url_length(self) -> int | None:
        """How many characters any link counts as, where the platform fixes it (Mastodon)."""
        return None

    def count(self, text: str, link: str | None = None) -> int:
        """Return the length of the composed post as this platform counts it."""
        return textlib.graphemes(self.compose(text, link))

    def check_length(self, text: str, link: str | None = None) -> str | None:
        """Return ``None`` when the post fits, else a message like "312 of 300 characters"."""
        limit = self.limit()
        if limit is None:
            return None
        length = self.count(text, link)
        if length > limit:
            return f"{length} of {limit} characters on {self.label}"
        return None

    def compose(self, text: str, link: str | None) -> str:
        """Return the text actually sent: the link goes on its own line unless already there."""
        if not link or link in text:
            return text
        body = text.rstrip()
        return f"{body}\n{link}" if body else link

    @abstractmethod
    def check(self) -> str:
        """Verify credentials and reachability and return a short description of the account."""

    @abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish one delivery or raise the typed error that says what to do next."""

    def _refuse_if_too_long(self, text: str, link: str | None) -> str:
        """Return the composed text, raising ``PermanentError`` when it is over the limit."""
        problem = self.check_length(text, link)
        if problem is not None:
            raise PermanentError(f"Too long: {problem}")
        return self.compose(text, link)

    def _set_state(self, **values: Any) -> None:
        """Update ``state`` and flag it for saving only when something really changed."""
        for key, value in values.items():
            if self.state.get(key) != value:
                self.state[key] = value
                self.state_changed = True


def require_text(config: Mapping[str, Any], name: str, message: str, errors: dict[str, str]) -> str:
    """Return the stripped string ``config[name]``, recording *message* when it is missing."""
    value = config.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = message
        return ""
    return value.strip()
