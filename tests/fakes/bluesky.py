"""A fake Bluesky PDS: sessions, posts at chosen record keys, and the real PDS's quirks."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import regex

from tests.fakes.server import FakeServer, RecordedRequest, Reply

POST = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
SESSION_WINDOW_SECONDS = 300
IMAGES_EMBED = "app.bsky.embed.images"
EXTERNAL_EMBED = "app.bsky.embed.external"
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000  # the lexicon's maxSize for an embedded image
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # uploadBlob itself takes far more than a post may use
RKEY = regex.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
EXPIRED = Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
INVALID = Reply(401, {"error": "InvalidToken", "message": "Token could not be verified"})


class FakeBluesky(FakeServer):
    """One account on one PDS; ``expire_access_tokens()`` makes the next call see ExpiredToken."""

    def __init__(
        self,
        *,
        handle: str = "shop.bsky.social",
        password: str = "abcd-efgh-ijkl-mnop",
        did: str = "did:plc:fakeshop7x2kq4m5n6p7r8s9",
        session_limit: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.handle = handle
        self.password = password
        self.did = did
        self.session_limit = session_limit
        self.clock = clock
        self.posts: list[dict[str, Any]] = []
        self.records: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, dict[str, Any]] = {}
        self.session_counts: dict[str, int] = defaultdict(int)
        self.refresh_count = 0
        self._session_times: dict[str, list[float]] = defaultdict(list)
        self._access: dict[str, bool] = {}  # token -> expired
        self._refresh: dict[str, bool] = {}
        self._tid = itertools.count(1)
        # Posts by other accounts (replies, mentions), by uri, and the account's notifications.
        self.others: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        # Engagement: counts per post uri; reads limited like the AppView (None: no limit).
        self.counts: dict[str, dict[str, int]] = {}
        self.read_limit: int | None = None
        self.read_window = 300.0
        self.read_times: list[float] = []

    @property
    def sessions_created(self) -> int:
        """Return how many times createSession succeeded, for every identifier together."""
        with self.lock:
            return sum(self.session_counts.values())

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far answer 400 ExpiredToken."""
        with self.lock:
            for token in self._access:
                self._access[token] = True

    def expire_refresh_tokens(self) -> None:
        """Make every refresh token issued so far answer 400 ExpiredToken."""
        with self.lock:
            for token in self._refresh:
                self._refresh[token] = True

    def respond(self, request: RecordedRequest) -> Reply:
        """Route the XRPC methods planner uses."""
        nsid = request.path.removeprefix("/xrpc/")
        routes = {
            ("POST", "com.atproto.server.createSession"): self._create_session,
            ("POST", "com.atproto.server.refreshSession"): self._refresh_session,
            ("GET", "com.atproto.server.getSession"): self._get_session,
            ("POST", "com.atproto.repo.createRecord"): self._create_record,
            ("GET", "com.atproto.repo.getRecord"): self._get_record,
            ("POST", "com.atproto.repo.uploadBlob"): self._upload_blob,
            ("GET", "app.bsky.feed.getPostThread"): self._get_post_thread,
            ("GET", "app.bsky.notification.listNotifications"): self._list_notifications,
            ("GET", "app.bsky.feed.getPosts"): self._get_posts,
        }
        method = routes.get((request.method, nsid))
        if method is None:
            return Reply(
                501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
            )
        return method(request)

    def _issue(self) -> dict[str, Any]:
        access = "access-" + secrets.token_urlsafe(16)
        refresh = "refresh-" + secrets.token_urlsafe(16)
        self._access[access] = False
        self._refresh[refresh] = False
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "did": self.did,
            "handle": self.handle,
            "active": True,
        }

    def _create_session(self, request: RecordedRequest) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        identifier = str(body.get("identifier") or "").lower()
        with self.lock:
            now = self.clock()
            times = [t for t in self._session_times[identifier] if now - t < SESSION_WINDOW_SECONDS]
            self._session_times[identifier] = times
            if len(times) >= self.session_limit:
                return Reply(
                    429,
                    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    {
                        "RateLimit-Limit": str(self.session_limit),
                        "RateLimit-Remaining": "0",
                        "RateLimit-Reset": str(int(time.time() + SESSION_WINDOW_SECONDS)),
                        "RateLimit-Policy": f"{self.session_limit};w={SESSION_WINDOW_SECONDS}",
                    },
                )
            times.append(now)
            if identifier not in (self.handle, self.did) or body.get("password") != self.password:
                return Reply(
                    401,
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                )
            self.session_counts[identifier] += 1
            return Reply(200, self._issue())

    def _refresh_session(self, request: RecordedRequest) -> Reply:
        with self.lock:
            token = request.bearer
            if token not in self._refresh:
                return INVALID
            if self._refresh[token]:
                return EXPIRED
            del self._refresh[token]  # refresh tokens rotate: each works once
            self.refresh_count += 1
            return Reply(200, self._issue())

    def _check_access(self, request: RecordedRequest) -> Reply | None:
        token = request.bearer
        if token is None:
            return Reply(401, {"error": "AuthMissing", "message": "Authentication Required"})
        with self.lock:
            if token not in self._access:
                return INVALID
            if self._access[token]:
                return EXPIRED
        return None

    def _get_session(self, request: RecordedRequest) -> Reply:
        return self._check_access(request) or Reply(
            200, {"handle": self.handle, "did": self.did, "active": True}
        )

    def _create_record(self, request: RecordedRequest) -> Reply:
        refused = self._check_access(request)
        if refused is not None:
            return refused
        body = request.json
        if not isinstance(body, dict):
            return _invalid("Input must be a JSON object")
        if body.get("repo") not in (self.did, self.handle):
            return _invalid("Input/repo must be the authenticated account")
        if body.get("collection") != POST:
            return _invalid("This fake only stores app.bsky.feed.post records")
        record = body.get("record")
        problem = _post_problem(record)
        with self.lock:
            problem = problem or _embed_problem(record.get("embed"), self.blobs)
            problem = problem or self._reply_problem(record.get("reply"))
            if problem:
                return _invalid(problem)
            rkey = body.get("rkey") or self._next_tid()
            if not isinstance(rkey, str) or not RKEY.match(rkey):
                return _invalid("Input/rkey must be a valid record key")
            if rkey in self.records:
                # What the reference PDS does for a second create at the same key.
                return Reply(
                    500, {"error": "InternalServerError", "message": "Internal Server Error"}
                )
            uri = f"at://{self.did}/{POST}/{rkey}"
            cid = "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]
            entry = {"uri": uri, "cid": cid, "rkey": rkey, "record": record, "did": self.did}
            self.records[rkey] = entry
            self.posts.append(entry)
        return Reply(200, {"uri": uri, "cid": cid, "validationStatus": "valid"})

    def _upload_blob(self, request: RecordedRequest) -> Reply:
        refused = self._check_access(request)
        if refused is not None:
            return refused
        mime = request.headers.get("content-type", "")
        if not request.body:
            return _invalid("Request body is empty")
        if len(request.body) > MAX_UPLOAD_BYTES:
            return Reply(413, {"error": "PayloadTooLarge", "message": "request entity too large"})
        cid = "bafkrei" + hashlib.sha256(request.body).hexdigest()[:52]
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(request.body)}
        with self.lock:
            self.blobs[cid] = {"blob": blob, "data": request.body}
        return Reply(200, {"blob": blob})

    def image_data(self, entry: dict[str, Any]) -> list[bytes]:
        """Return the bytes of every image embedded in a stored post, in order."""
        images = (entry["record"].get("embed") or {}).get("images") or []
        with self.lock:
            return [self.blobs[image["image"]["ref"]["$link"]]["data"] for image in images]

    def card_thumb(self, entry: dict[str, Any]) -> bytes | None:
        """Return the bytes of a stored post's link card thumbnail, or None when it has none."""
        thumb = ((entry["record"].get("embed") or {}).get("external") or {}).get("thumb")
        if thumb is None:
            return None
        with self.lock:
            return self.blobs[thumb["ref"]["$link"]]["data"]

    def _get_record(self, request: RecordedRequest) -> Reply:
        repo = request.query.get("repo")
        rkey = request.query.get("rkey", "")
        uri = f"at://{repo}/{request.query.get('collection')}/{rkey}"
        with self.lock:
            entry = self.records.get(rkey)
        if repo not in (self.did, self.handle) or entry is None:
            return Reply(
                400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}
            )
        return Reply(200, {"uri": entry["uri"], "cid": entry["cid"], "value": entry["record"]})

    def add_post(self, text: str = "Fresh bread", **counts: int) -> str:
        """Store a post directly (for reading its figures) and return its at:// uri."""
        rkey = self._next_tid()
        uri = f"at://{self.did}/{POST}/{rkey}"
        record = {"$type": POST, "text": text, "createdAt": "2026-03-04T12:00:00.000Z"}
        with self.lock:
            entry = {"uri": uri, "cid": "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]}
            entry |= {"rkey": rkey, "record": record}
            self.records[rkey] = entry
            self.posts.append(entry)
        self.set_counts(uri, **counts)
        return uri

    def set_counts(self, uri: str, **counts: int) -> None:
        """Set a post's counts, e.g. ``set_counts(uri, likeCount=3)``; they may go down."""
        with self.lock:
            self.counts.setdefault(uri, {}).update(counts)

    def delete_post(self, uri: str) -> None:
        """Delete a post: getPosts then leaves it out, as the AppView does."""
        with self.lock:
            self.records.pop(uri.rsplit("/", 1)[-1], None)

    def _get_posts(self, request: RecordedRequest) -> Reply:
        refused = self._check_access(request)
        if refused is not None:
            return refused
        uris = [u for u in request.query.get("uris", "").split(",") if u]
        if not uris or len(uris) > 25:
            return _invalid("uris must hold between 1 and 25 items")
        with self.lock:
            now = self.clock()
            self.read_times = [t for t in self.read_times if now - t < self.read_window]
            if self.read_limit is not None and len(self.read_times) >= self.read_limit:
                return Reply(
                    429,
                    {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    {
                        "RateLimit-Limit": str(self.read_limit),
                        "RateLimit-Remaining": "0",
                        "RateLimit-Reset": str(int(time.time() + self.read_window)),
                        "RateLimit-Policy": f"{self.read_limit};w={int(self.read_window)}",
                    },
                )
            self.read_times.append(now)
            views = []
            for uri in uris:
                entry = self.records.get(uri.rsplit("/", 1)[-1])
                if entry is None or entry["uri"] != uri:
                    continue
                counts = {"replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0}
                counts |= self.counts.get(uri, {})
                author = {"did": self.did, "handle": self.handle}
                views.append(
                    {"uri": uri, "cid": entry["cid"], "author": author, "record": entry["record"]}
                    | counts
                )
        return Reply(200, {"posts": views})

    def _next_tid(self) -> str:
        return f"3fake{next(self._tid):08d}"

    # ---- Conversations: others' replies and mentions, threads, notifications --------------

    def add_reply(
        self,
        parent_uri: str,
        text: str,
        *,
        handle: str = "alice.bsky.social",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Store a post by another account replying to *parent_uri*, and notify us (reason reply)."""
        with self.lock:
            parent = self._post_at(parent_uri)
            assert parent is not None, f"no post at {parent_uri}"
            above = parent["record"].get("reply")
            root = above["root"] if above else {"uri": parent["uri"], "cid": parent["cid"]}
            record = {
                "$type": POST,
                "text": text,
                "createdAt": created_at or _now(),
                "reply": {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}},
            }
            return self._add_foreign(handle, record, "reply")

    def add_mention(
        self,
        text: str,
        *,
        handle: str = "bob.bsky.social",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Store a post by another account that mentions ours, and notify us (reason mention)."""
        with self.lock:
            record = {
                "$type": POST,
                "text": f"@{self.handle} {text}",
                "createdAt": created_at or _now(),
            }
            return self._add_foreign(handle, record, "mention")

    def replies_to(self, uri: str) -> list[dict[str, Any]]:
        """Return the stored posts (ours and others') whose parent is *uri*."""
        with self.lock:
            every = [*self.records.values(), *self.others.values()]
            return [
                e
                for e in every
                if ((e["record"].get("reply") or {}).get("parent") or {}).get("uri") == uri
            ]

    def _add_foreign(self, handle: str, record: dict[str, Any], reason: str) -> dict[str, Any]:
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        rkey = self._next_tid()
        uri = f"at://{did}/{POST}/{rkey}"
        cid = "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]
        entry = {
            "uri": uri,
            "cid": cid,
            "rkey": rkey,
            "record": record,
            "did": did,
            "handle": handle,
        }
        self.others[uri] = entry
        view = self._view(entry)
        self.notifications.insert(
            0,
            {
                "uri": uri,
                "cid": cid,
                "author": view["author"],
                "reason": reason,
                "reasonSubject": (record.get("reply") or {}).get("parent", {}).get("uri"),
                "record": record,
                "isRead": False,
                "indexedAt": record["createdAt"],
                "labels": [],
            },
        )
        return entry

    def _post_at(self, uri: str) -> dict[str, Any] | None:
        if uri in self.others:
            return self.others[uri]
        return next((e for e in self.records.values() if e["uri"] == uri), None)

    def _view(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A PostView (app.bsky.feed.defs#postView) of a stored post."""
        did = entry.get("did", self.did)
        handle = entry.get("handle", self.handle)
        return {
            "uri": entry["uri"],
            "cid": entry["cid"],
            "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title()},
            "record": entry["record"],
            "replyCount": len(self.replies_to(entry["uri"])),
            "indexedAt": entry["record"].get("createdAt"),
        }

    def _thread_view(self, entry: dict[str, Any], depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self._view(entry),
        }
        if depth > 0:
            node["replies"] = [
                self._thread_view(e, depth - 1) for e in self.replies_to(entry["uri"])
            ]
        return node

    def _get_post_thread(self, request: RecordedRequest) -> Reply:
        refused = self._check_access(request)
        if refused is not None:
            return refused
        uri = request.query.get("uri", "")
        depth = int(request.query.get("depth") or 6)
        with self.lock:
            entry = self._post_at(uri)
            if entry is None:
                return Reply(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
            return Reply(200, {"thread": self._thread_view(entry, depth)})

    def _list_notifications(self, request: RecordedRequest) -> Reply:
        refused = self._check_access(request)
        if refused is not None:
            return refused
        limit = min(100, int(request.query.get("limit") or 50))
        start = int(request.query.get("cursor") or 0)
        with self.lock:
            page = self.notifications[start : start + limit]
            more = start + limit < len(self.notifications)
        body: dict[str, Any] = {"notifications": page}
        if more:
            body["cursor"] = str(start + limit)
        return Reply(200, body)

    def _reply_problem(self, reply: Any) -> str | None:
        """A reply's root and parent must be strong references to posts that exist."""
        if reply is None:
            return None
        for part in ("root", "parent"):
            ref = reply.get(part) if isinstance(reply, dict) else None
            if not (
                isinstance(ref, dict)
                and isinstance(ref.get("uri"), str)
                and isinstance(ref.get("cid"), str)
            ):
                return f"Invalid app.bsky.feed.post record: Record/reply/{part} must be a strongRef"
            found = self._post_at(ref["uri"])
            if found is None or found["cid"] != ref["cid"]:
                return f"Invalid app.bsky.feed.post record: Record/reply/{part} does not exist"
        return None


def _now() -> str:
    """The current time as the AT Protocol writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _invalid(message: str) -> Reply:
    return Reply(400, {"error": "InvalidRequest", "message": message})


def _post_problem(record: Any) -> str | None:
    """Validate a post record the way the PDS's lexicon check does, for the fields we use."""
    if not isinstance(record, dict) or record.get("$type") != POST:
        return "Invalid app.bsky.feed.post record: Record/$type must be app.bsky.feed.post"
    text = record.get("text")
    if not isinstance(text, str):
        return 'Invalid app.bsky.feed.post record: Record must have the property "text"'
    if len(regex.findall(r"\X", text)) > MAX_GRAPHEMES:
        return "grapheme too big"
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_BYTES:
        return "Invalid app.bsky.feed.post record: Record/text must not be longer than 3000"
    created_at = record.get("createdAt")
    try:
        datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return (
            "Invalid app.bsky.feed.post record: Record/createdAt must be an valid atproto datetime"
        )
    for facet in record.get("facets") or []:
        index = facet.get("index") if isinstance(facet, dict) else None
        start = index.get("byteStart") if isinstance(index, dict) else None
        end = index.get("byteEnd") if isinstance(index, dict) else None
        if not (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(encoded)
        ):
            return "Invalid app.bsky.feed.post record: facet index out of range"
        features = facet.get("features")
        if not isinstance(features, list) or not features:
            return "Invalid app.bsky.feed.post record: facet without features"
    return None


def _embed_problem(embed: Any, blobs: dict[str, dict[str, Any]]) -> str | None:
    """Check an images embed as the PDS does: at most 4, uploaded blobs within maxSize, alt."""
    if embed is None:
        return None
    if isinstance(embed, dict) and embed.get("$type") == EXTERNAL_EMBED:
        return _external_problem(embed.get("external"), blobs)
    if not isinstance(embed, dict) or embed.get("$type") != IMAGES_EMBED:
        return "This fake only knows app.bsky.embed.images and app.bsky.embed.external"
    images = embed.get("images")
    if not isinstance(images, list) or not 1 <= len(images) <= MAX_IMAGES:
        return "Invalid app.bsky.feed.post record: Record/embed/images must not have more than 4"
    for number, image in enumerate(images):
        where = f"Record/embed/images/{number}"
        blob = image.get("image") if isinstance(image, dict) else None
        ref = blob.get("ref") if isinstance(blob, dict) else None
        cid = ref.get("$link") if isinstance(ref, dict) else None
        if cid not in blobs:
            return f"Could not find blob: {cid}"
        stored = blobs[cid]["blob"]
        if stored["size"] > MAX_IMAGE_BYTES:
            return f"Invalid app.bsky.feed.post record: {where}/image file too large"
        if not str(stored["mimeType"]).startswith("image/"):
            return f"Invalid app.bsky.feed.post record: {where}/image has wrong mime type"
        if not isinstance(image.get("alt"), str):
            return f'Invalid app.bsky.feed.post record: {where} must have the property "alt"'
        ratio = image.get("aspectRatio")
        if ratio is not None and not (
            isinstance(ratio, dict)
            and all(isinstance(ratio.get(k), int) and ratio[k] > 0 for k in ("width", "height"))
        ):
            return f"Invalid app.bsky.feed.post record: {where}/aspectRatio is invalid"
    return None


def _external_problem(external: Any, blobs: dict[str, dict[str, Any]]) -> str | None:
    """Check a link card as the lexicon says: uri, title and description, and a thumb that is
    an uploaded image blob within maxSize (1,000,000 bytes)."""
    where = "Invalid app.bsky.feed.post record: Record/embed/external"
    if not isinstance(external, dict):
        return f'{where} must have the property "external"'
    for name in ("uri", "title", "description"):
        if not isinstance(external.get(name), str):
            return f'{where} must have the property "{name}"'
    if not regex.match(r"^https?://[^\s/]+", external["uri"]):
        return f"{where}/uri must be a valid uri"
    thumb = external.get("thumb")
    if thumb is None:
        return None
    ref = thumb.get("ref") if isinstance(thumb, dict) else None
    cid = ref.get("$link") if isinstance(ref, dict) else None
    if cid not in blobs:
        return f"Could not find blob: {cid}"
    stored = blobs[cid]["blob"]
    if stored["size"] > MAX_IMAGE_BYTES:
        return f"{where}/thumb file too large"
    if not str(stored["mimeType"]).startswith("image/"):
        return f"{where}/thumb has wrong mime type"
    return None
