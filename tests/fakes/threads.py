"""A fake Threads: Threads Login, media containers that take time, publishing, the daily limit.

Written from Meta's Threads API documentation: containers (``POST /{user-id}/threads``) are
``IN_PROGRESS`` until ready, then ``FINISHED``; ``threads_publish`` makes the post; profiles
may publish 250 posts in a rolling 24 hours; errors have Graph's shape. Replies (the Reply
Management API): ``GET /{id}/replies`` lists the direct replies, ``GET /{id}/conversation``
every reply below, both needing ``threads_read_replies``; a container with ``reply_to_id``
(``threads_manage_replies``) publishes a reply, which is not a post of the profile's; replies
have their own limit, 1,000 in a moving 24 hours, read from ``threads_publishing_limit`` as
``reply_quota_usage`` and ``reply_config`` (those fields need ``threads_manage_replies``).
Past it ``threads_publish`` answers as for posts (the documentation shows no error of its own).
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.oauth import OAuthDesk, form_of
from tests.fakes.server import FakeServer, RecordedRequest, Reply

SHORT_SECONDS = 3600
LONG_SECONDS = 60 * 24 * 3600
MAX_TEXT = 500
HOSTS = ("threads.net", "www.threads.net", "graph.threads.net")


def graph_error(message: str, code: int, status: int = 400, subcode: int | None = None) -> Reply:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException" if code == 190 else "THApiException",
        "code": code,
        "fbtrace_id": secrets.token_hex(8),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error})


BAD_TOKEN = "Error validating access token: Session has expired or the user logged out."


class FakeThreads(FakeServer):
    """One profile; ``container_polls`` makes each container answer IN_PROGRESS that often."""

    def __init__(
        self,
        *,
        client_id: str = "threads-app",
        client_secret: str = "threads-secret",
        user_id: str = "17841400000000001",
        username: str = "bakery",
        quota_total: int = 250,
        reply_quota_total: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.desk = OAuthDesk(
            client_id=client_id,
            client_secret=client_secret,
            access_seconds=SHORT_SECONDS,
            clock=clock,
        )
        self.user_id = user_id
        self.username = username
        self.quota_total = quota_total
        self.reply_quota_total = reply_quota_total
        self.clock = clock
        self.container_polls = 0
        self.container_error: str | None = None  # e.g. "FAILED_DOWNLOADING_IMAGE"
        self.containers: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []  # newest last
        self.published_times: list[float] = []
        self.reply_times: list[float] = []  # when our replies were published
        self.replies: list[dict[str, Any]] = []  # others' replies and ours, oldest first
        self._ids = itertools.count(18000000000000001)
        self.rate_limited = 0  # answer that many API calls with code 4 (with Retry-After)

    def set_engagement(self, media_id: str, **counts: int) -> None:
        """Give a published post its insights (``likes``, ``replies``, ``reposts``, ``quotes``)."""
        post = next(p for p in self.posts if p["id"] == media_id)
        post.setdefault("figures", {}).update(counts)

    def delete(self, media_id: str) -> None:
        """Remove a published post or reply; reading it then answers code 100 subcode 33."""
        with self.lock:
            self.posts = [p for p in self.posts if p["id"] != media_id]
            self.replies = [r for r in self.replies if r["id"] != media_id]

    def add_reply(
        self, to_id: str, text: str, *, username: str = "alice", at: datetime | None = None
    ) -> dict[str, Any]:
        """Seed someone else's reply to the post or reply *to_id*, as the app would make it."""
        return self._add_reply(to_id, text, username=username, owned=False, at=at)

    def replies_to(self, media_id: str) -> list[dict[str, Any]]:
        """Return the direct replies to *media_id*, oldest first (ours included)."""
        with self.lock:
            return [r for r in self.replies if r["replied_to"]["id"] == media_id]

    def _add_reply(
        self, to_id: str, text: str, *, username: str, owned: bool, at: datetime | None = None
    ) -> dict[str, Any]:
        with self.lock:
            parent = self._node(to_id)
            if parent is None:
                raise KeyError(to_id)
            reply_id = str(next(self._ids))
            moment = at or datetime.fromtimestamp(self.clock(), UTC)
            reply = {
                "id": reply_id,
                "text": text,
                "username": username,
                "media_type": "TEXT_POST",
                "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink": f"https://www.threads.net/@{username}/post/{reply_id}",
                "is_reply": True,
                "replied_to": {"id": to_id},
                "root_post": parent.get("root_post") or {"id": to_id},
                "owned": owned,
            }
            self.replies.append(reply)
            return reply

    def _node(self, media_id: str) -> dict[str, Any] | None:
        """A post of the profile's or a reply, by id."""
        with self.lock:
            return next((n for n in [*self.posts, *self.replies] if n["id"] == media_id), None)

    def _below(self, media_id: str, query: dict[str, str], *, nested: bool) -> Reply:
        """``/replies`` (direct) or ``/conversation`` (every depth), paged with ``after``."""
        with self.lock:
            found = [r for r in self.replies if r["replied_to"]["id"] == media_id]
            if nested:
                found = [r for r in self.replies if self._descends(r, media_id)]
        # /conversation defaults to reverse chronological order, /replies to chronological.
        reverse = query.get("reverse", "true" if nested else "false") == "true"
        if reverse:
            found = list(reversed(found))
        limit = int(query.get("limit") or 25)
        start = int(query.get("after") or 0)
        page = found[start : start + limit]
        wanted = ["id", *(query.get("fields") or "id").split(",")]
        data = [_shown(reply, wanted) for reply in page]
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + limit)}}
        if start + limit < len(found):
            paging["next"] = (
                f"https://graph.threads.net/v1.0/{media_id}/replies?after={start + limit}"
            )
        return Reply(200, {"data": data, "paging": paging})

    def _descends(self, reply: dict[str, Any], ancestor: str) -> bool:
        parent = reply["replied_to"]["id"]
        while parent:
            if parent == ancestor:
                return True
            above = next((r for r in self.replies if r["id"] == parent), None)
            parent = above["replied_to"]["id"] if above else ""
        return False

    @property
    def overrides(self) -> dict[str, str]:
        """Host overrides that send every Threads host to this fake."""
        return dict.fromkeys(HOSTS, self.url)

    def long_lived_token(self) -> str:
        """Issue a 60-day token for the profile, as a finished Threads Login gives."""
        return self.desk.new_access(
            "threads_basic,threads_content_publish,threads_manage_insights,"
            "threads_read_replies,threads_manage_replies",
            LONG_SECONDS,
        ).value

    def lose_reply_after_publishing(self) -> None:
        """Publish the next post but reset the connection instead of answering."""
        self.reset_next(path="/threads_publish$")

    def respond(self, request: RecordedRequest) -> Reply:
        path, method = request.path, request.method
        if path == "/oauth/authorize":
            return self.desk.page(request, title="Allow planner to access your Threads profile?")
        if path == "/oauth/access_token" and method == "POST":
            return self._code_grant(form_of(request))
        if path == "/access_token" and method == "GET":
            return self._exchange(request.query)
        if path == "/refresh_access_token" and method == "GET":
            return self._refresh(request.query)
        fields = form_of(request)
        token = fields.get("access_token") or request.bearer
        granted = self.desk.valid(token)
        if granted is None:
            return graph_error(BAD_TOKEN, 190, subcode=463)
        if self.rate_limited > 0:
            self.rate_limited -= 1
            reply = graph_error("(#4) Application request limit reached", 4)
            reply.headers["Retry-After"] = "120"
            return reply
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "v1.0":
            return graph_error("Unknown path components", 2500)
        target, edge = parts[1], (parts[2] if len(parts) > 2 else None)
        if target == "me":
            target = self.user_id
        scopes = granted.scope.split(",")
        if target == self.user_id:
            if fields.get("reply_to_id") and "threads_manage_replies" not in scopes:
                return graph_error("(#10) Application does not have permission for this action", 10)
            return self._profile(method, edge, fields, scopes)
        if target in self.containers and edge is None:
            container = self._poll(target)
            return Reply(200, {"id": target, **container})
        post = self._node(target)
        if post is not None and edge is None:
            return Reply(200, _shown(post, ["id", *(fields.get("fields") or "id").split(",")]))
        if post is not None and edge in ("replies", "conversation") and method == "GET":
            if "threads_read_replies" not in scopes:
                return graph_error("(#10) Application does not have permission for this action", 10)
            return self._below(target, request.query, nested=edge == "conversation")
        if post is not None and edge == "insights" and method == "GET":
            if "threads_manage_insights" not in granted.scope.split(","):
                return graph_error("(#10) Application does not have permission for this action", 10)
            return self._insights(post, request.query.get("metric", ""))
        return graph_error(
            f"Unsupported request - object with ID '{target}' does not exist", 100, subcode=33
        )

    def _insights(self, post: dict[str, Any], metric: str) -> Reply:
        """Media insights as documented: one entry per metric, its figure in ``values``."""
        known = ("views", "likes", "replies", "reposts", "quotes", "shares")
        names = [name for name in metric.split(",") if name]
        unknown = [name for name in names if name not in known]
        if not names or unknown:
            return graph_error(f"(#100) metric[0] must be one of: {', '.join(known)}", 100)
        figures = post.get("figures", {})
        data = [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": figures.get(name, 0)}],
                "title": name.capitalize(),
                "id": f"{post['id']}/insights/{name}/lifetime",
            }
            for name in names
        ]
        return Reply(200, {"data": data})

    # OAuth ------------------------------------------------------------------------------

    def _code_grant(self, fields: dict[str, str]) -> Reply:
        if fields.get("grant_type") != "authorization_code":
            return graph_error("Unsupported grant_type", 100)
        error, code = self.desk.redeem(fields)
        if code is None:
            if error == "invalid_client":
                return graph_error("Error validating client secret.", 1, subcode=2)
            return graph_error("Invalid verification code format.", 100, subcode=36007)
        token = self.desk.new_access(code.scope)
        return Reply(200, {"access_token": token.value, "user_id": int(self.user_id)})

    def _exchange(self, query: dict[str, str]) -> Reply:
        if query.get("grant_type") != "th_exchange_token":
            return graph_error("Unsupported grant_type", 100)
        if query.get("client_secret") != self.desk.client_secret:
            return graph_error("Error validating client secret.", 1, subcode=2)
        short = self.desk.valid(query.get("access_token"))
        if short is None:
            return graph_error(BAD_TOKEN, 190, subcode=463)
        token = self.desk.new_access(short.scope, LONG_SECONDS)
        return Reply(200, _token_body(token.value, LONG_SECONDS))

    def _refresh(self, query: dict[str, str]) -> Reply:
        if query.get("grant_type") != "th_refresh_token":
            return graph_error("Unsupported grant_type", 100)
        old = self.desk.valid(query.get("access_token"))
        if old is None:  # an expired long-lived token cannot be renewed
            return graph_error(BAD_TOKEN, 190, subcode=463)
        with self.desk.lock:
            self.desk.refreshes += 1
        token = self.desk.new_access(old.scope, LONG_SECONDS)
        return Reply(200, _token_body(token.value, LONG_SECONDS))

    # The profile's edges ------------------------------------------------------------------

    def _profile(
        self, method: str, edge: str | None, fields: dict[str, str], scopes: list[str]
    ) -> Reply:
        if edge is None and method == "GET":
            return Reply(200, {"id": self.user_id, "username": self.username})
        if edge == "threads" and method == "POST":
            return self._create(fields)
        if edge == "threads" and method == "GET":
            limit = int(fields.get("limit") or 25)
            newest = list(reversed(self.posts))[:limit]
            keys = ["id", *(fields.get("fields") or "id").split(",")]
            return Reply(200, {"data": [{k: p[k] for k in keys if k in p} for p in newest]})
        if edge == "threads_publish" and method == "POST":
            return self._publish(fields.get("creation_id") or "")
        if edge == "threads_publishing_limit" and method == "GET":
            return self._publishing_limit(fields.get("fields") or "quota_usage", scopes)
        return graph_error("Unknown path components", 2500)

    def _publishing_limit(self, asked: str, scopes: list[str]) -> Reply:
        """The fields asked for: the posts' quota and config, the replies' quota and config."""
        names = [name for name in asked.split(",") if name]
        if any(n.startswith("reply_") for n in names) and "threads_manage_replies" not in scopes:
            return graph_error("(#10) Application does not have permission for this action", 10)
        known = {
            "quota_usage": self.quota_usage(),
            "config": {"quota_total": self.quota_total, "quota_duration": 86400},
            "reply_quota_usage": self.reply_quota_usage(),
            "reply_config": {"quota_total": self.reply_quota_total, "quota_duration": 86400},
        }
        return Reply(200, {"data": [{name: known[name] for name in names if name in known}]})

    def quota_usage(self) -> int:
        with self.lock:
            now = self.clock()
            return sum(1 for moment in self.published_times if now - moment < 86400)

    def reply_quota_usage(self) -> int:
        with self.lock:
            now = self.clock()
            return sum(1 for moment in self.reply_times if now - moment < 86400)

    def _create(self, fields: dict[str, str]) -> Reply:
        media_type = fields.get("media_type") or ""
        text = fields.get("text") or ""
        if media_type not in ("TEXT", "IMAGE", "CAROUSEL"):
            return graph_error("Param media_type must be one of {TEXT, IMAGE, CAROUSEL}", 100)
        if len(text) > MAX_TEXT:
            return graph_error(f"Param text must be at most {MAX_TEXT} characters long.", 100)
        container: dict[str, Any] = {"media_type": media_type, "text": text, "alt_text": None}
        reply_to = fields.get("reply_to_id")
        if reply_to:
            if self._node(reply_to) is None:
                return graph_error(
                    f"Unsupported request - object with ID '{reply_to}' does not exist",
                    100,
                    subcode=33,
                )
            container["reply_to_id"] = reply_to
        if media_type == "TEXT" and not text:
            return graph_error("Param text is required for TEXT posts", 100)
        if media_type == "IMAGE":
            if not fields.get("image_url"):
                return graph_error("Param image_url is required for IMAGE posts", 100)
            container["image_urls"] = [fields["image_url"]]
            container["alt_text"] = fields.get("alt_text")
            container["is_carousel_item"] = fields.get("is_carousel_item") == "true"
        if media_type == "CAROUSEL":
            children = [c for c in (fields.get("children") or "").split(",") if c]
            if not 2 <= len(children) <= 20:
                return graph_error("A carousel needs between 2 and 20 children", 100)
            with self.lock:
                found = [self.containers.get(child) for child in children]
            if any(c is None or not c.get("is_carousel_item") for c in found):
                return graph_error("Children must be carousel item containers", 100)
            container["image_urls"] = [url for c in found if c for url in c["image_urls"]]
        with self.lock:
            container_id = str(next(self._ids))
            # A text container is ready at once unless the test makes containers slow; images
            # are fetched first, so theirs are ready only once looked at.
            ready = container["media_type"] == "TEXT" and not self.container_polls
            container["status"] = (
                "ERROR" if self.container_error else "FINISHED" if ready else "IN_PROGRESS"
            )
            container["error_message"] = self.container_error
            container["polls_left"] = self.container_polls
            self.containers[container_id] = container
        return Reply(200, {"id": container_id})

    def _poll(self, container_id: str) -> dict[str, Any]:
        with self.lock:
            container = self.containers[container_id]
            if container["status"] == "IN_PROGRESS":
                if container["polls_left"] > 0:
                    container["polls_left"] -= 1
                else:
                    container["status"] = "FINISHED"
            shown = {"status": container["status"]}
            if container["error_message"]:
                shown["error_message"] = container["error_message"]
            return shown

    def _publish(self, creation_id: str) -> Reply:
        with self.lock:
            container = self.containers.get(creation_id)
            if container is None:
                return graph_error("Media ID is not available", 24, subcode=4279009)
            if container["status"] != "FINISHED" or container.get("is_carousel_item"):
                return graph_error("The media is not ready for publishing, please wait", 9007)
            if container.get("reply_to_id"):  # replies have their own quota (1,000 a day)
                if self.reply_quota_usage() >= self.reply_quota_total:
                    return graph_error(
                        "The user has reached the publishing limit", 9, subcode=2207042
                    )
                container["status"] = "PUBLISHED"
                reply = self._add_reply(
                    container["reply_to_id"], container["text"], username=self.username, owned=True
                )
                self.reply_times.append(self.clock())
                return Reply(200, {"id": reply["id"]})
            if self.quota_usage() >= self.quota_total:
                return graph_error("The user has reached the publishing limit", 9, subcode=2207042)
            post_id = str(next(self._ids))
            container["status"] = "PUBLISHED"
            post = {
                "id": post_id,
                "text": container["text"],
                "media_type": container["media_type"]
                + ("_ALBUM" if container["media_type"] == "CAROUSEL" else ""),
                "image_urls": container.get("image_urls", []),
                "alt_text": container.get("alt_text"),
                "timestamp": datetime.fromtimestamp(self.clock(), UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S+0000"
                ),
                "permalink": f"https://www.threads.net/@{self.username}/post/{post_id}",
            }
            self.posts.append(post)
            self.published_times.append(self.clock())
        return Reply(200, {"id": post_id})


def _shown(node: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    """A node with the fields asked for; ``is_reply_owned_by_me`` is computed for the caller."""
    shown = {key: node[key] for key in wanted if key in node and key != "owned"}
    if "is_reply_owned_by_me" in wanted and "owned" in node:
        shown["is_reply_owned_by_me"] = node["owned"]
    return shown


def _token_body(token: str, seconds: int) -> dict[str, Any]:
    return {"access_token": token, "token_type": "bearer", "expires_in": seconds}
