"""Publish posts to Bluesky (any AT Protocol server) with an app password."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from planner.connectors import atproto, bluesky_inbox
from planner.connectors import text as textlib
from planner.connectors.base import (
    Connector,
    Engagement,
    LinkCard,
    MediaItem,
    PublishRequest,
    PublishResult,
    count_of,
    require_text,
)
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    PostGoneError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.http import HttpClient, clean_url
from planner.connectors.replies import Response, error_code, error_for_response
from planner.connectors.tid import TID as TID
from planner.connectors.tid import TID_ALPHABET as TID_ALPHABET
from planner.connectors.tid import new_tid as new_tid
from planner.media import renditions
from planner.timeutils import utcnow

logger = logging.getLogger(__name__)

DEFAULT_SERVICE_URL = "https://bsky.social"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
POST_COLLECTION = "app.bsky.feed.post"
IMAGES_EMBED = "app.bsky.embed.images"
EXTERNAL_EMBED = "app.bsky.embed.external"
MAX_IMAGES = 4
SESSION_KEYS = ("accessJwt", "refreshJwt", "did", "handle")
APP_PASSWORD = re.compile(r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")


class BlueskyConnector(Connector):
    """Post with a record key chosen once per delivery, so a retry can find the first try.

    The session lives in ``state`` (save it whenever ``state_changed``): logging in
    is rate limited to a few dozen times a day, so it is refreshed rather than redone.
    """

    platform = "bluesky"
    label = "Bluesky"
    max_length = MAX_GRAPHEMES
    image_limit = MAX_IMAGES
    secret_fields = ("app_password",)
    config_fields = ("service_url", "handle", "app_password")
    inbox = True  # reading replies and mentions and answering them: see bluesky_inbox
    replies = bluesky_inbox.replies
    mentions = bluesky_inbox.mentions
    reply = bluesky_inbox.reply
    gives_engagement = True
    read_limit = 3000  # AppView reads per 5 minutes per account

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require a handle and an app password; the server defaults to bsky.social."""
        errors: dict[str, str] = {}
        service_url = config.get("service_url") or DEFAULT_SERVICE_URL
        if not isinstance(service_url, str):
            service_url = ""
        try:
            parts = urlsplit(clean_url(service_url, default_scheme="https"))
            service_url = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        except ValueError as exc:
            errors["service_url"] = str(exc)
        handle = require_text(config, "handle", "Enter your handle, like shop.bsky.social", errors)
        handle = handle.removeprefix("@")
        if handle and not handle.startswith("did:"):
            handle = handle.lower()
            if "." not in handle or any(char.isspace() for char in handle):
                errors["handle"] = "Enter your full handle, like shop.bsky.social"
        password = require_text(config, "app_password", "Paste an app password", errors)
        if password and not APP_PASSWORD.match(password.lower()):
            errors["app_password"] = (
                "Use an app password (Settings, Privacy and security, App passwords); "
                "it looks like xxxx-xxxx-xxxx-xxxx"
            )
        if errors:
            raise ConfigError(errors)
        return {"service_url": service_url, "handle": handle, "app_password": password.lower()}

    @classmethod
    def new_idempotency_key(cls, now: datetime) -> str:
        """Return a fresh TID, used as the post's record key on every attempt."""
        return new_tid(now)

    def check_length(self, text: str, link: str | None = None) -> str | None:
        """Check both of Bluesky's limits: 300 graphemes and 3,000 UTF-8 bytes."""
        composed = self.compose(text, link)
        length = textlib.graphemes(composed)
        if length > MAX_GRAPHEMES:
            return f"{length} of {MAX_GRAPHEMES} characters on Bluesky"
        size = textlib.utf8_length(composed)
        if size > MAX_BYTES:
            return f"{size} of {MAX_BYTES} bytes on Bluesky"
        return None

    def rendition(self, item: MediaItem) -> MediaItem:
        """Fit the image in Bluesky's 1,000,000 bytes per image."""
        try:
            made = renditions.for_bluesky(item.data, digest=item.digest)
        except renditions.RenditionError as exc:
            raise PermanentError(str(exc)) from exc
        return dataclasses.replace(
            item, data=made.data, mime=made.mime, width=made.width, height=made.height, sha256=None
        )

    def check(self) -> str:
        """Log in (or check the saved session) and return the account's handle."""
        client = HttpClient(self.options)
        if self._has_session():
            data = self._call(client, "GET", "com.atproto.server.getSession").json_object()
            self._set_state(handle=data.get("handle") or self.state.get("handle"))
        else:
            self._create_session(client)
        return f"@{self.state['handle']}"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Create the post at the delivery's record key, or return it if an earlier try landed."""
        rkey = request.idempotency_key
        if not TID.match(rkey):
            raise PermanentError(
                "The delivery key is not a Bluesky record key; "
                "create it with BlueskyConnector.new_idempotency_key"
            )
        text = self._refuse_if_too_long(request.text, request.link)
        self._refuse_too_many_images(request.media)
        images = [self.rendition(item) for item in request.media]
        client = HttpClient(self.options)
        if not self._has_session():
            self._create_session(client)
        if request.attempt > 1 and self._find_post(client, rkey) is not None:
            logger.info("Bluesky post for delivery %s had already landed", request.delivery_id)
            return self._result(rkey)
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": atproto.timestamp(utcnow()),
        }
        if facets := textlib.bluesky_facets(text):
            record["facets"] = facets
        if images:
            # Blobs not referenced by a record are dropped by the PDS, so uploading again on a
            # retry is harmless; the fixed record key keeps the post itself single.
            record["embed"] = {
                "$type": IMAGES_EMBED,
                "images": [self._embedded(client, item) for item in images],
            }
        elif request.card is not None:
            record["embed"] = self._card_embed(client, request.card)
        body = {
            "repo": self.state["did"],
            "collection": POST_COLLECTION,
            "rkey": rkey,
            "record": record,
        }
        try:
            response = self._call(client, "POST", "com.atproto.repo.createRecord", json=body)
        except TransientError as exc:
            # The reference PDS answers 500 to a create at an existing key: look first.
            if exc.status is not None and exc.status >= 500:
                if self._find_post(client, rkey) is not None:
                    logger.info(
                        "Bluesky post for delivery %s exists after a 5xx", request.delivery_id
                    )
                    return self._result(rkey)
            raise
        try:
            uri = response.json_object().get("uri")
        except PermanentError as exc:
            raise UnknownOutcomeError(
                f"{exc.message}; the post may have been published", safe_to_retry=True
            ) from exc
        logger.info("Published delivery %s to Bluesky as %s", request.delivery_id, uri)
        return self._result(rkey, uri if isinstance(uri, str) else None)

    def engagement(self, external_id: str) -> Engagement:
        """Read a post's counts with ``app.bsky.feed.getPosts`` through the account's PDS.

        A deleted post is simply missing from the answer.
        """
        client = HttpClient(self.options)
        response = self._call(client, "GET", "app.bsky.feed.getPosts", params={"uris": external_id})
        posts = response.json_object().get("posts")
        found = [p for p in posts or [] if isinstance(p, dict) and p.get("uri") == external_id]
        if not found:
            raise PostGoneError("The post is no longer on Bluesky")
        view = found[0]
        keys = ("replyCount", "repostCount", "quoteCount", "likeCount")
        return Engagement(
            replies=count_of(view.get("replyCount")),
            reposts=count_of(view.get("repostCount")),
            quotes=count_of(view.get("quoteCount")),
            likes=count_of(view.get("likeCount")),
            raw={key: view.get(key) for key in keys if key in view},
        )

    def _embedded(self, client: HttpClient, item: MediaItem) -> dict[str, Any]:
        """Upload one image and return its entry in the post's images embed."""
        return {
            "image": self._upload(client, item.data, item.mime),
            "alt": item.alt,
            "aspectRatio": {"width": item.width, "height": item.height},
        }

    def _card_embed(self, client: HttpClient, card: LinkCard) -> dict[str, Any]:
        """Return a link card's external embed, leaving out a thumbnail Bluesky would refuse."""
        external: dict[str, Any] = {"uri": card.uri, "title": card.title}
        external["description"] = card.description
        if card.thumb and card.thumb_mime and len(card.thumb) <= renditions.BLUESKY_MAX_BYTES:
            external["thumb"] = self._upload(client, card.thumb, card.thumb_mime)
        return {"$type": EXTERNAL_EMBED, "external": external}

    def _upload(self, client: HttpClient, data: bytes, mime: str) -> dict[str, Any]:
        """Upload *data* with uploadBlob and return the blob a record refers to it by."""
        response = self._call(
            client, "POST", "com.atproto.repo.uploadBlob", data=data, content_type=mime
        )
        blob = response.json_object().get("blob")
        if not isinstance(blob, dict):
            raise PermanentError("Bluesky's uploadBlob reply has no blob")
        return blob

    def _result(self, rkey: str, uri: str | None = None) -> PublishResult:
        did = self.state["did"]
        profile = self.state.get("handle") or did
        return PublishResult(
            external_id=uri or f"at://{did}/{POST_COLLECTION}/{rkey}",
            external_url=f"https://bsky.app/profile/{profile}/post/{rkey}",
        )

    def _find_post(self, client: HttpClient, rkey: str) -> dict[str, Any] | None:
        """Return the record at *rkey* in our repository, or ``None`` when there is none."""
        response = client.request(
            "GET",
            self._xrpc("com.atproto.repo.getRecord"),
            params={"repo": self.state["did"], "collection": POST_COLLECTION, "rkey": rkey},
            check=False,
        )
        if response.ok:
            return response.json_object()
        if response.status == 404 or error_code(response) == "RecordNotFound":
            return None
        raise error_for_response(response)

    def _has_session(self) -> bool:
        """Tell whether ``state`` holds a session for this very account and server."""
        return (
            all(self.state.get(key) for key in SESSION_KEYS)
            and self.state.get("identifier") == self.config["handle"]
            and self.state.get("service_url") == self.config["service_url"]
        )

    def _xrpc(self, nsid: str, *, entryway: bool = False) -> str:
        base = self.config["service_url"] if entryway else self._pds_url()
        return f"{base}/xrpc/{nsid}"

    def _pds_url(self) -> str:
        return str(self.state.get("pds_url") or self.config["service_url"])

    def _call(
        self,
        client: HttpClient,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        """Make an authenticated call, renewing the session once if its token has expired."""
        if not self._has_session():
            self._create_session(client)

        def send() -> Response:
            return self._send(
                client, method, nsid, params=params, json=json, data=data, content_type=content_type
            )

        response = send()
        if atproto.token_rejected(response):
            self._renew_session(client)
            response = send()
            if atproto.token_rejected(response):
                error = error_for_response(response)
                raise AuthError(error.message, status=response.status, code=error.code)
        if not response.ok:
            raise error_for_response(response)
        return response

    def _send(
        self,
        client: HttpClient,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, str] | None,
        json: Any,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        headers = {"Authorization": f"Bearer {self.state['accessJwt']}"}
        if content_type:
            headers["Content-Type"] = content_type
        return client.request(
            method,
            self._xrpc(nsid),
            params=params,
            json=json,
            data=data,
            headers=headers,
            safe_to_retry=True,
            check=False,
        )

    def _renew_session(self, client: HttpClient) -> None:
        """Refresh the session; log in again only when the refresh token is refused too."""
        response = client.request(
            "POST",
            self._xrpc("com.atproto.server.refreshSession"),
            headers={"Authorization": f"Bearer {self.state['refreshJwt']}"},
            safe_to_retry=True,
            check=False,
        )
        if response.ok:
            self._store_session(response.json_object())
            logger.info("Refreshed the Bluesky session of %s", self.config["handle"])
            return
        error = error_for_response(response)
        if isinstance(error, TransientError):
            raise error
        logger.info(
            "Bluesky refused to refresh the session of %s (%s); logging in again",
            self.config["handle"],
            error.code or response.status,
        )
        self._create_session(client)

    def _create_session(self, client: HttpClient) -> None:
        """Log in with the app password: rate limited by Bluesky, so only when unavoidable."""
        logger.info("Creating a Bluesky session for %s", self.config["handle"])
        response = client.request(
            "POST",
            self._xrpc("com.atproto.server.createSession", entryway=True),
            json={"identifier": self.config["handle"], "password": self.config["app_password"]},
            safe_to_retry=True,
        )
        data = response.json_object()
        if data.get("active") is False:
            raise AuthError(f"The Bluesky account is {data.get('status') or 'not active'}")
        self._set_state(identifier=self.config["handle"], service_url=self.config["service_url"])
        self._store_session(data)

    def _store_session(self, data: Mapping[str, Any]) -> None:
        missing = [key for key in ("accessJwt", "refreshJwt", "did") if not data.get(key)]
        if missing:
            raise PermanentError(f"Bluesky's session reply lacks {', '.join(missing)}")
        self._set_state(
            accessJwt=data["accessJwt"],
            refreshJwt=data["refreshJwt"],
            did=data["did"],
            handle=data.get("handle") or self.state.get("handle") or self.config["handle"],
            pds_url=atproto.pds_endpoint(data.get("didDoc")) or self._pds_url(),
        )
