"""Publish to a Threads profile: a media container, waited on until ready, then published.

Threads fetches images itself from ``MediaItem.url`` (a signed public address), so a post with
images needs media storage reachable from the internet. Long-lived tokens last 60 days and are
renewed with ``th_refresh_token`` while still valid.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from planner.connectors import threads_inbox, tokens
from planner.connectors.base import (
    Connector,
    Engagement,
    MediaItem,
    PublishRequest,
    PublishResult,
    require_text,
)
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    PostGoneError,
    QuotaWait,
    TransientError,
)
from planner.connectors.graph import insight_value
from planner.connectors.http import HttpClient
from planner.connectors.threads_errors import checked, graph_error, subcode
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

GRAPH = "https://graph.threads.net"
API = f"{GRAPH}/v1.0"
MAX_CHARACTERS = 500
MAX_IMAGES = 10  # a carousel holds 2 to 10 items
DAILY_POSTS = 250
# Renew a long-lived token this long before it dies (Threads refuses to renew a dead one).
REFRESH_BEFORE = timedelta(days=7)
# When the daily quota is used up, look again after this long: Threads does not say when a
# slot frees up (the oldest of the day's posts turning 24 hours old), so the worker keeps
# asking, within the workspace's allowed lateness.
QUOTA_RETRY_SECONDS = 600.0
NOT_READY = "9007"  # threads_publish before the container is FINISHED
LIMIT_REACHED = "9"  # threads_publish past the profile's 24-hour publishing limit
RECENT_POSTS = 25
IMAGE_TYPES = ("image/jpeg", "image/png")
ENGAGEMENT_METRICS = "likes,replies,reposts,quotes"
# Graph error codes: 190 token invalid or expired; 4, 17, 32, 613 call rate limits.


class ThreadsConnector(Connector):
    """A Threads profile connected with Threads Login (``threads_content_publish``)."""

    platform = "threads"
    label = "Threads"
    max_length = MAX_CHARACTERS
    image_limit = MAX_IMAGES
    oauth_only: ClassVar[bool] = True
    secret_fields = ("access_token", "expires_at")
    config_fields = ("user_id", "username", "access_token", "expires_at")
    gives_engagement = True
    inbox = True  # reading the replies under our posts and answering them: see threads_inbox
    replies = threads_inbox.replies
    mentions = threads_inbox.mentions
    reply = threads_inbox.reply
    # Threads' limit is usage based (4800 calls a day times the profile's impressions);
    # 200 reads an hour per profile is a conservative share of it.
    read_limit = 200
    read_window_seconds = 3600.0

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require the profile id and its token, as the OAuth pick gives them."""
        errors: dict[str, str] = {}
        user_id = require_text(config, "user_id", "Connect the Threads profile again", errors)
        token = require_text(config, "access_token", "Connect the Threads profile again", errors)
        if errors:
            raise ConfigError(errors)
        cleaned = {"user_id": user_id, "access_token": token}
        for name in ("username", "expires_at"):
            if isinstance(config.get(name), str) and config[name].strip():
                cleaned[name] = config[name].strip()
        return cleaned

    def credentials_expire_at(self) -> datetime | None:
        """When the long-lived token dies unless renewed."""
        return tokens.parse_time(tokens.current(self, "expires_at"))

    def refresh_credentials(self, *, now: datetime) -> bool:
        """Renew the long-lived token for another 60 days (``th_refresh_token``)."""
        client = HttpClient(self.options)
        response = client.request(
            "GET",
            f"{GRAPH}/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": self._token()},
            check=False,
        )
        data = checked(response)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError("Threads did not renew the access token; reconnect the profile")
        expires = tokens.expiry(now, data.get("expires_in"))
        self._set_state(access_token=token, expires_at=tokens.iso(expires) if expires else None)
        return True

    def check(self) -> str:
        """Return the profile's @name, which also proves the token works."""
        data = self._get(HttpClient(self.options), f"{API}/me", fields="id,username")
        return f"@{data.get('username') or self.config.get('username') or data.get('id')}"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Publish once: look first on a retry, respect the daily quota, then create and publish."""
        now = utcnow()
        text = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        client = HttpClient(self.options)
        self._refresh_if_due(now)
        since = tokens.look_since(self, request)
        if since is not None:
            found = self._find(client, text, since)
            if found is not None:
                logger.info("Delivery %s was already on Threads as %s", request.delivery_id, found)
                tokens.forget_first_attempt(self, request)
                return self._result(client, found)
        self._check_quota(client, now)
        container = self._container(client, text, request.media)
        if request.media:  # Threads fetches the images first; a text container is made at once
            self._wait_until_ready(client, container)
        try:
            media_id = self._publish_container(client, request, container, now)
        except PermanentError as exc:
            if exc.code == NOT_READY and not request.media:
                self._wait_until_ready(client, container)
                media_id = self._publish_container(client, request, container, now)
            elif exc.code == LIMIT_REACHED:  # posts made elsewhere used the quota up
                self.options.quota_memo.forget(self._quota_key())
                raise self._quota_wait(DAILY_POSTS) from exc
            else:
                raise
        self.options.quota_memo.note_published(self._quota_key())
        logger.info("Published delivery %s to Threads as %s", request.delivery_id, media_id)
        return self._result(client, media_id)

    def engagement(self, external_id: str) -> Engagement:
        """Read a post's media insights: likes, replies, reposts and quotes."""
        response = HttpClient(self.options).request(
            "GET",
            f"{API}/{external_id}/insights",
            params={"metric": ENGAGEMENT_METRICS, "access_token": self._token()},
            check=False,
        )
        if not response.ok:
            error = graph_error(response)
            if isinstance(error, PermanentError) and (
                response.status == 404 or subcode(response) == 33
            ):
                raise PostGoneError(f"The post is gone from Threads ({error.message})") from error
            raise error
        figures: dict[str, int] = {}
        for entry in _list(response.json_object().get("data")):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                figures[entry["name"]] = insight_value(entry)
        return Engagement(
            replies=figures.get("replies", 0),
            reposts=figures.get("reposts", 0),
            quotes=figures.get("quotes", 0),
            likes=figures.get("likes", 0),
            raw=figures,
        )

    def _refresh_if_due(self, now: datetime) -> None:
        expires = self.credentials_expire_at()
        if expires is not None and now < expires < now + REFRESH_BEFORE:
            try:
                self.refresh_credentials(now=now)
            except TransientError as exc:  # the current token still works: publish with it
                logger.warning("Could not renew the Threads token yet: %s", exc)

    def _find(self, client: HttpClient, text: str, since: datetime) -> str | None:
        """Return the id of a post with this text made since *since*, if the profile has one."""
        data = self._get(
            client,
            f"{API}/{self.config['user_id']}/threads",
            fields="id,text,timestamp",
            limit=str(RECENT_POSTS),
        )
        posts = _list(data.get("data"))
        return tokens.first_match(
            (
                (post.get("text"), tokens.parse_time(post.get("timestamp")), str(post.get("id")))
                for post in posts
                if isinstance(post, dict)
            ),
            text,
            since,
        )

    def _publish_container(
        self, client: HttpClient, request: PublishRequest, container: str, now: datetime
    ) -> str:
        """Publish the container and return the post's id."""
        with tokens.sending(self, request, now):
            response = client.request(
                "POST",
                f"{API}/{self.config['user_id']}/threads_publish",
                **self._form({"creation_id": container}),
                safe_to_retry=True,  # a retry looks for the post before publishing again
                check=False,
            )
            media_id = str(checked(response).get("id") or "")
        if not media_id:
            raise PermanentError("Threads published the post but gave it no id")
        return media_id

    def _check_quota(self, client: HttpClient, now: datetime) -> None:
        """Raise ``QuotaWait`` when the profile has used its 250 posts of the last 24 hours.

        A recent reading with room to spare is trusted (see ``quota_memo``), so a backlog
        does not ask before every post.
        """
        memo = self.options.quota_memo
        if memo.has_room(self._quota_key(), now):
            return
        total, used = self._read_quota(client, "quota_usage", "config", DAILY_POSTS)
        memo.note_reading(self._quota_key(), now, total=total, used=used)
        if used >= total:
            raise self._quota_wait(total)

    def _read_quota(
        self, client: HttpClient, usage_field: str, config_field: str, default: int
    ) -> tuple[int, int]:
        """Return (allowed, used) in the last 24 hours from ``threads_publishing_limit``:
        ``quota_usage``/``config`` for posts, ``reply_quota_usage``/``reply_config`` for replies.
        """
        data = self._get(
            client,
            f"{API}/{self.config['user_id']}/threads_publishing_limit",
            fields=f"{usage_field},{config_field}",
        )
        rows = _list(data.get("data"))
        usage: dict[str, Any] = rows[0] if rows and isinstance(rows[0], dict) else {}
        config = usage.get(config_field)
        total = _count(config.get("quota_total") if isinstance(config, dict) else None, default)
        return total, _count(usage.get(usage_field), 0)

    def _quota_wait(self, total: int, noun: str = "posts") -> QuotaWait:
        return QuotaWait(
            f"Threads allows {total} {noun} in 24 hours and this profile has used them; "
            "waiting for the quota to free up",
            retry_after=QUOTA_RETRY_SECONDS,
        )

    def _quota_key(self) -> str:
        return f"threads:{self.config['user_id']}"

    def _container(self, client: HttpClient, text: str, media: tuple[MediaItem, ...]) -> str:
        """Create the post's container (a carousel's children first) and return its id."""
        if not media:
            return self._create(client, {"media_type": "TEXT", "text": text})
        if len(media) == 1:
            return self._create(client, {"media_type": "IMAGE", "text": text, **_image(media[0])})
        children = [
            self._create(client, {"media_type": "IMAGE", "is_carousel_item": "true", **_image(m)})
            for m in media
        ]
        for child in children:
            self._wait_until_ready(client, child)
        return self._create(
            client, {"media_type": "CAROUSEL", "children": ",".join(children), "text": text}
        )

    def _create(self, client: HttpClient, fields: dict[str, str]) -> str:
        response = client.request(
            "POST",
            f"{API}/{self.config['user_id']}/threads",
            **self._form(fields),
            safe_to_retry=True,  # an unpublished container is harmless and expires in 24 hours
            check=False,
        )
        container = str(checked(response).get("id") or "")
        if not container:
            raise PermanentError("Threads accepted the post but gave its container no id")
        return container

    def _wait_until_ready(self, client: HttpClient, container: str) -> None:
        """Poll the container until ``FINISHED``; Threads may take a while with images."""
        for wait in (0.0, *self.options.media_poll_seconds):
            if wait:
                time.sleep(wait)
            data = self._get(client, f"{API}/{container}", fields="status,error_message")
            status = str(data.get("status") or "")
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status == "ERROR":
                reason = data.get("error_message") or "unknown reason"
                raise PermanentError(f"Threads could not prepare the post: {reason}")
            if status == "EXPIRED":
                raise TransientError("The Threads container expired before it was published")
        raise TransientError(
            f"Threads is still preparing container {container}; trying again later"
        )

    def _result(self, client: HttpClient, media_id: str) -> PublishResult:
        """Return the post's id and permalink; a failed permalink look keeps the id alone."""
        try:
            data = self._get(client, f"{API}/{media_id}", fields="permalink")
        except ConnectorError as exc:
            logger.warning(
                "Published Threads post %s but could not read its link: %s", media_id, exc
            )
            return PublishResult(external_id=media_id, external_url=None)
        link = data.get("permalink")
        return PublishResult(
            external_id=media_id, external_url=link if isinstance(link, str) else None
        )

    def _get(self, client: HttpClient, url: str, **params: str) -> dict[str, Any]:
        response = client.request(
            "GET", url, params={**params, "access_token": self._token()}, check=False
        )
        return checked(response)

    def _form(self, fields: dict[str, str]) -> dict[str, Any]:
        body, headers = tokens.form({**fields, "access_token": self._token()})
        return {"data": body, "headers": headers}

    def _token(self) -> str:
        return str(tokens.current(self, "access_token") or "")


def _count(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _image(item: MediaItem) -> dict[str, str]:
    if not item.url:
        raise PermanentError(
            "Threads fetches images from a public address; configure media storage that "
            "gives signed URLs to post images to Threads"
        )
    if item.mime not in IMAGE_TYPES:
        raise PermanentError(f"Threads takes JPEG or PNG images, not {item.mime}")
    fields = {"image_url": item.url}
    if item.alt:
        fields["alt_text"] = item.alt[:1000]
    return fields
