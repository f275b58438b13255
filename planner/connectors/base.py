"""What every connector offers the worker and the web layer, and the values they exchange."""

from __future__ import annotations

import copy
import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from planner.connectors import text as textlib
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    PostGoneError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.inbox import Incoming, NotAvailable, SentAnswer
from planner.connectors.pool import ConnectionPool
from planner.connectors.quota_memo import QuotaMemo

__all__ = [
    "AuthError",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "ConnectorOptions",
    "Engagement",
    "LinkCard",
    "MediaItem",
    "OAuthApp",
    "PermanentError",
    "PostGoneError",
    "PublishRequest",
    "PublishResult",
    "QuotaWait",
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
    # Waits between looks at an upload the platform is still processing (Mastodon's 202).
    media_poll_seconds: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    # {host: base URL}: requests for these hosts go to the base instead (see ``hosts``); the
    # bundle fills it only when private hosts are allowed.
    host_overrides: Mapping[str, str] = field(default_factory=dict, hash=False)
    # The deployment's own developer apps, by family ("facebook", "threads", "linkedin",
    # "google"): what a connector needs to refresh its channel's OAuth tokens.
    oauth_apps: Mapping[str, OAuthApp] = field(default_factory=dict, hash=False)
    # Daily publishing quotas read per account (Instagram, Threads), shared by the worker's threads.
    quota_memo: QuotaMemo = field(default_factory=QuotaMemo, compare=False, hash=False)
    # Idle keep-alive connections for the next request to the same host; None: one per request.
    connection_pool: ConnectionPool | None = field(
        default_factory=ConnectionPool, compare=False, hash=False
    )


@dataclass(frozen=True)
class OAuthApp:
    """A developer app registered on a platform by whoever runs planner."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class MediaItem:
    """One image of a post as a connector receives it: the stored file and how to describe it.

    ``url`` is a signed, expiring public address of the same file, for platforms that fetch
    images themselves; ``key`` is where the file is stored, for the outbox to name.
    """

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    alt: str = ""
    url: str | None = None
    key: str | None = None
    sha256: str | None = None
    # How to bring an image outside a platform's aspect ratios into range ("crop" or "pad"),
    # chosen by the owner in the composer; None means no choice was made.
    fit: str | None = None

    @property
    def digest(self) -> str:
        """The file's SHA-256, the cache key of its renditions."""
        return self.sha256 or hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class LinkCard:
    """The preview card of a post's link, read from the page when the post was saved.

    ``uri`` is the link as sent (tagged, where the workspace tags links); ``thumb`` is the
    stored thumbnail (JPEG or PNG, within Bluesky's 1,000,000 bytes), if the page had one.
    """

    uri: str
    title: str
    description: str
    thumb: bytes | None = field(default=None, repr=False)
    thumb_mime: str | None = None


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
    media: tuple[MediaItem, ...] = ()
    # Stores a rendition's bytes (and MIME type) and returns a signed public address of them,
    # for platforms that fetch images by URL when the original will not do (Instagram's JPEG);
    # None where the deployment cannot give stored files an address.
    host_image: Callable[[bytes, str], str | None] | None = field(
        default=None, compare=False, repr=False
    )
    card: LinkCard | None = None  # sent where the platform draws cards (Bluesky) and no images


@dataclass(frozen=True)
class PublishResult:
    """Where the published post can be found on the platform."""

    external_id: str | None
    external_url: str | None


@dataclass(frozen=True)
class Engagement:
    """A published post's figures as the platform shows them now; ``raw`` is what it sent."""

    replies: int = 0
    reposts: int = 0
    quotes: int = 0
    likes: int = 0
    raw: dict[str, Any] | None = field(default=None, compare=False)


class Connector(ABC):
    """Publishes to one channel of one platform; subclasses fill in the platform's rules."""

    platform: ClassVar[str]
    label: ClassVar[str]
    max_length: ClassVar[int | None] = None
    # Where the platform caps an answer (a comment or reply) apart from a post: LinkedIn.
    answer_max_length: ClassVar[int | None] = None
    image_limit: ClassVar[int | None] = 10  # the most images one post can carry here
    secret_fields: ClassVar[tuple[str, ...]] = ()
    config_fields: ClassVar[tuple[str, ...]] = ()
    # Whether planner can read replies and mentions here and answer them (the inbox).
    inbox: ClassVar[bool] = False
    # True where a channel can only be connected with the platform's OAuth flow (its tokens
    # come from a developer app), never by typing settings into a form.
    oauth_only: ClassVar[bool] = False
    # How long before the credentials expire the worker asks ``refresh_credentials`` to renew
    # them. A week by default, so a token that cannot be renewed is known while the owners can
    # still connect again; hourly tokens (Google) set minutes. The check runs every 5 minutes.
    refresh_margin: ClassVar[timedelta] = timedelta(days=7)
    # Whether engagement() can read a published post's figures here (outbox, webhooks cannot).
    gives_engagement: ClassVar[bool] = False
    # The platform's documented limit on reads per account: read_limit per read_window_seconds.
    read_limit: ClassVar[int] = 0
    read_window_seconds: ClassVar[float] = 300.0
    # What one inbox look at a post usually costs in reads (one page of its replies); the
    # inbox counts what each look really sent, this only says whether one more post fits.
    inbox_reads_per_post: ClassVar[int] = 1
    # What one engagement reading costs in reads (Instagram asks the media, then its insights).
    reads_per_engagement: ClassVar[int] = 1

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        state: Mapping[str, Any] | None = None,
        options: ConnectorOptions | None = None,
    ) -> None:
        self.config = self.validate_config(config)
        self.state: dict[str, Any] = dict(state or {})
        self._loaded_state = copy.deepcopy(self.state)
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

    def images(self) -> int | None:
        """Return how many images one post may carry on this channel, ``None`` for no cap."""
        return self.image_limit

    def check_images(self, count: int) -> str | None:
        """Return ``None`` when *count* images fit, else a message naming the platform."""
        limit = self.images()
        if limit is None or count <= limit:
            return None
        noun = "image" if limit == 1 else "images"
        return f"{self.label} takes at most {limit} {noun}; this post has {count}."

    def rendition(self, item: MediaItem) -> MediaItem:
        """Return *item* as this platform accepts it (resized, re-encoded); the original here."""
        return item

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

    def answer_limit(self) -> int | None:
        """Return the length limit on an answer here: the post limit unless comments have their own."""
        return self.answer_max_length if self.answer_max_length is not None else self.limit()

    def check_answer_length(self, text: str) -> str | None:
        """Return ``None`` when *text* fits as an answer, else a message like "1,300 of 1,250
        characters on LinkedIn"; an answer with its own limit is plain text, counted in graphemes.
        """
        limit = self.answer_max_length
        if limit is None:
            return self.check_length(text)
        length = textlib.graphemes(text)
        if length > limit:
            return f"{length:,} of {limit:,} characters on {self.label}"
        return None

    def compose(self, text: str, link: str | None) -> str:
        """Return the text actually sent: the link goes on its own line unless already there."""
        if not link or link in text:
            return text
        body = text.rstrip()
        return f"{body}\n{link}" if body else link

    def credentials_expire_at(self) -> datetime | None:
        """When the channel's credentials stop working unless refreshed; None if they do not."""
        return None

    def refresh_credentials(self, *, now: datetime) -> bool:
        """Renew the channel's tokens where the platform allows (saved through ``state``).

        Returns True when they were renewed; raises ``AuthError`` when the platform refuses,
        so the channel is marked ``needs_reauth``. The default has nothing to renew.
        """
        return False

    @abstractmethod
    def check(self) -> str:
        """Verify credentials and reachability and return a short description of the account."""

    @abstractmethod
    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish one delivery or raise the typed error that says what to do next."""

    def replies(self, external_id: str, since: datetime | None) -> list[Incoming]:
        """Return the replies under our post *external_id* (not our own), newer than *since*."""
        raise NotAvailable(f"{self.label} gives planner no replies to read")

    def mentions(self, since: datetime | None) -> list[Incoming]:
        """Return the mentions of the account (replies among them) newer than *since*."""
        raise NotAvailable(f"{self.label} gives planner no mentions to read")

    def reply(self, to_external_id: str, text: str, key: str, *, attempt: int = 1) -> SentAnswer:
        """Publish *text* as an answer to *to_external_id*, once for *key* however often called."""
        raise NotAvailable(f"Planner cannot answer on {self.label}")

    def engagement(self, external_id: str) -> Engagement | None:
        """Return the figures of the post published as *external_id*; ``None``: none here.

        Raises ``PostGoneError`` when the post was deleted, ``TransientError`` (with
        ``retry_after`` from the rate-limit headers) when it should be read later.
        """
        return None

    def _refuse_if_too_long(self, text: str, link: str | None) -> str:
        """Return the composed text, raising ``PermanentError`` when it is over the limit."""
        problem = self.check_length(text, link)
        if problem is not None:
            raise PermanentError(f"Too long: {problem}")
        return self.compose(text, link)

    def _refuse_answer_if_too_long(self, text: str) -> str:
        """Return *text*, raising ``PermanentError`` when it is too long for an answer here."""
        problem = self.check_answer_length(text)
        if problem is not None:
            raise PermanentError(f"Too long: {problem}")
        return text

    def _refuse_too_many_images(self, media: tuple[MediaItem, ...]) -> None:
        """Raise ``PermanentError`` when the post carries more images than the channel takes."""
        problem = self.check_images(len(media))
        if problem is not None:
            raise PermanentError(problem)

    def _set_state(self, **values: Any) -> None:
        """Update ``state`` and flag it for saving only when something really changed."""
        for key, value in values.items():
            if self.state.get(key) != value:
                self.state[key] = value
        # Changed only if it differs from what was loaded: a marker set and dropped again
        # (a delivery that went well) leaves nothing for the worker to save.
        self.state_changed = self.state != self._loaded_state


def require_text(config: Mapping[str, Any], name: str, message: str, errors: dict[str, str]) -> str:
    """Return the stripped string ``config[name]``, recording *message* when it is missing."""
    value = config.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = message
        return ""
    return value.strip()


def count_of(value: Any) -> int:
    """A counter as a platform sent it; anything that is not a count reads as 0."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0
