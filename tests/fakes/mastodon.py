"""A fake Mastodon server: the handful of endpoints planner calls, with real error bodies."""

from __future__ import annotations

import html
import io
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import regex
from PIL import Image, UnidentifiedImageError

from tests.fakes.mastodon_oauth import OAUTH_PATHS, MastodonOAuth
from tests.fakes.server import FakeServer, RecordedRequest, Reply

IDEMPOTENCY_SECONDS = 3600
_URL = regex.compile(r"https?://\S+")
_REMOTE_MENTION = regex.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)", regex.I)


def mastodon_length(text: str, url_length: int) -> int:
    """Count as Mastodon does, independently of planner's code so that tests compare two."""
    countable = _URL.sub("x" * url_length, text)
    countable = _REMOTE_MENTION.sub(r"\1@\3", countable)
    return len(regex.findall(r"\X", countable))


class FakeMastodon(FakeServer):
    """Statuses, token checks, instance limits and one-hour Idempotency-Key de-duplication."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        acct: str = "shop",
        max_characters: int = 500,
        characters_reserved_per_url: int = 23,
        max_media_attachments: int = 4,
        image_size_limit: int = 16 * 1024 * 1024,
        image_matrix_limit: int = 33_177_600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.max_media_attachments = max_media_attachments
        self.image_size_limit = image_size_limit
        self.image_matrix_limit = image_matrix_limit
        # How many looks at a new upload answer "still processing" (202, then 206) first.
        self.processing_polls = 0
        self.media: dict[str, dict[str, Any]] = {}
        self._media_ids = itertools.count(500001)
        self.token = token
        self.acct = acct
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.clock = clock
        self.posts: list[dict[str, Any]] = []
        self._ids = itertools.count(100001)
        self._idempotency: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        # OAuth (apps, the sign-in page, tokens): see tests/fakes/mastodon_oauth.py.
        self.oauth = MastodonOAuth(self)

    def respond(self, request: RecordedRequest) -> Reply:
        """Route to the endpoint planner uses."""
        route = (request.method, request.path)
        if request.path in OAUTH_PATHS:
            return self.oauth.respond(request)
        if route == ("GET", "/api/v2/instance"):
            return Reply(200, self._instance())
        if route == ("GET", "/api/v1/accounts/verify_credentials"):
            return self._authorized(request) or Reply(200, self._account())
        if route == ("POST", "/api/v1/statuses"):
            return self._authorized(request) or self._create_status(request)
        if route == ("POST", "/api/v2/media"):
            return self._authorized(request) or self._upload(request)
        if request.method == "GET" and request.path.startswith("/api/v1/media/"):
            return self._authorized(request) or self._show_media(request.path.rsplit("/", 1)[-1])
        if request.method == "GET" and request.path.startswith("/api/v1/statuses/"):
            return self._show_status(request.path.rsplit("/", 1)[-1])
        return Reply(404, {"error": "Record not found"})

    def _authorized(self, request: RecordedRequest) -> Reply | None:
        if request.bearer != self.token and request.bearer not in self.oauth.tokens:
            return Reply(401, {"error": "The access token is invalid"})
        return None

    def _instance(self) -> dict[str, Any]:
        return {
            "domain": "127.0.0.1",
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "configuration": {
                "urls": {"streaming": "ws://127.0.0.1"},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": self.max_media_attachments,
                    "characters_reserved_per_url": self.characters_reserved_per_url,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                    "image_size_limit": self.image_size_limit,
                    "image_matrix_limit": self.image_matrix_limit,
                },
            },
        }

    def _account(self) -> dict[str, Any]:
        return {
            "id": "1",
            "username": self.acct,
            "acct": self.acct,
            "display_name": self.acct.title(),
            "url": f"{self.url}/@{self.acct}",
        }

    def _create_status(self, request: RecordedRequest) -> Reply:
        fields = request.json
        if not isinstance(fields, dict):
            fields = dict(parse_qsl(request.body.decode("utf-8", errors="replace")))
        text = fields.get("status") or ""
        media_ids = fields.get("media_ids") or []
        key = request.headers.get("idempotency-key")
        with self.lock:
            now = self.clock()
            if key:
                remembered = self._idempotency.get((self.token, key))
                if remembered is not None and now - remembered[0] < IDEMPOTENCY_SECONDS:
                    return Reply(200, remembered[1])
            if not text.strip() and not media_ids:
                return Reply(422, {"error": "Validation failed: Text can't be blank"})
            if len(media_ids) > self.max_media_attachments:
                return Reply(422, {"error": "Validation failed: Too many attachments"})
            attachments = [self.media.get(str(media_id)) for media_id in media_ids]
            if any(item is None or item["status_id"] for item in attachments):
                return Reply(422, {"error": "Validation failed: Media attachments are invalid"})
            if any(item["url"] is None for item in attachments if item):
                return Reply(
                    422,
                    {
                        "error": "Cannot attach files that have not finished processing. "
                        "Try again in a moment!"
                    },
                )
            if mastodon_length(text, self.characters_reserved_per_url) > self.max_characters:
                return Reply(
                    422,
                    {
                        "error": "Validation failed: Text character limit of "
                        f"{self.max_characters} exceeded"
                    },
                )
            status_id = str(next(self._ids))
            status = {
                "id": status_id,
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "url": f"{self.url}/@{self.acct}/{status_id}",
                "uri": f"{self.url}/users/{self.acct}/statuses/{status_id}",
                "visibility": fields.get("visibility") or "public",
                "content": "<p>" + html.escape(text).replace("\n", "<br />") + "</p>",
                "text": text,
                "idempotency_key": key,
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "account": self._account(),
                "media_attachments": [_public(item) for item in attachments if item],
            }
            for item in attachments:
                if item:
                    item["status_id"] = status_id
            self.posts.append(status)
            if key:
                self._idempotency[(self.token, key)] = (now, status)
        return Reply(200, status)

    def _upload(self, request: RecordedRequest) -> Reply:
        """Store an uploaded image as Mastodon does: type and size checked, then processed."""
        try:
            parts = {part.name: part for part in request.form}
        except ValueError as exc:
            return Reply(422, {"error": f"Validation failed: {exc}"})
        upload = parts.get("file")
        if upload is None or upload.filename is None:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        if len(upload.value) > self.image_size_limit:
            return Reply(
                422, {"error": f"Validation failed: File must be less than {self.image_size_limit}"}
            )
        try:
            with Image.open(io.BytesIO(upload.value)) as image:
                image.load()
                width, height, format_ = image.width, image.height, image.format
        except (UnidentifiedImageError, OSError):
            return Reply(422, {"error": "Validation failed: File has contents not a valid image"})
        if width * height > self.image_matrix_limit:
            return Reply(422, {"error": "Validation failed: File dimensions are too large"})
        description = parts["description"].text if "description" in parts else None
        with self.lock:
            media_id = str(next(self._media_ids))
            item = {
                "id": media_id,
                "type": "image",
                "description": description,
                "meta": {"original": {"width": width, "height": height}},
                "format": format_,
                "data": upload.value,
                "mime": upload.mime,
                "status_id": None,
                "polls_left": self.processing_polls,
                "url": None,
            }
            if not self.processing_polls:
                item["url"] = f"{self.url}/system/media/{media_id}.png"
            self.media[media_id] = item
        return Reply(200 if item["url"] else 202, _public(item))

    def _show_media(self, media_id: str) -> Reply:
        with self.lock:
            item = self.media.get(media_id)
            if item is None:
                return Reply(404, {"error": "Record not found"})
            if item["polls_left"] > 0:
                item["polls_left"] -= 1
                return Reply(206, _public(item))
            item["url"] = f"{self.url}/system/media/{media_id}.png"
            return Reply(200, _public(item))

    def _show_status(self, status_id: str) -> Reply:
        with self.lock:
            for status in self.posts:
                if status["id"] == status_id:
                    return Reply(200, status)
        return Reply(404, {"error": "Record not found"})


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """Return a MediaAttachment as the API shows it."""
    return {
        key: item[key] for key in ("id", "type", "url", "description", "meta") if key in item
    } | {"preview_url": item["url"]}
