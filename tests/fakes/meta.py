"""A fake of Meta's Graph API (Facebook Login, Pages, Instagram publishing) on loopback.

Written from Meta's documentation: the login dialog and ``/oauth/access_token`` (code exchange
and ``fb_exchange_token``), ``/me/accounts`` with cursor paging, Page posts and photos, the
Instagram container flow with ``status_code``, ``media_publish`` and
``content_publishing_limit``, media insights, comments (a Page post's ``/comments`` with ``filter`` and ``order``,
a comment's ``/comments``; an Instagram media's ``/comments`` with ``replies{...}`` expanded, a
comment's ``/replies``, a reply to a reply filed under the top-level comment as Instagram
documents), cursor paging with ``paging.next``, and Graph's error object
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``. Images given by URL
are really downloaded and checked, as Meta does. Any ``/vNN.N/`` version prefix is accepted.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
import secrets
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from PIL import Image

from tests.fakes.server import FakeServer, RecordedRequest, Reply

APP_ID = "1234567890"
APP_SECRET = "meta-app-secret"
VERSION = re.compile(r"^/v\d+\.\d+(?=/)")
LONG_LIVED_SECONDS = 60 * 24 * 3600
GRAPH_HOST = "https://graph.facebook.com"
USER_ID = "555000111"
# Media insights of a feed post (Meta's Instagram Media Insights reference).
MEDIA_METRICS = ("comments", "likes", "reach", "saved", "shares", "total_interactions", "views")


@dataclass
class FakePage:
    """A Facebook Page the fake user manages, with its Page token and linked Instagram account."""

    id: str
    name: str
    ig_id: str | None = None
    ig_username: str | None = None
    token: str = field(default_factory=lambda: "page-" + secrets.token_hex(8))


def default_pages() -> list[FakePage]:
    return [
        FakePage("1001", "Corner Bakery", "17841400000001", "cornerbakery"),
        FakePage("1002", "Corner Bakery Events"),
        FakePage("1003", "Second Shop", "17841400000003", "secondshop"),
    ]


def graph_error(
    message: str, code: int, *, subcode: int | None = None, kind: str = "OAuthException"
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": "A" + secrets.token_hex(10),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class FakeMeta(FakeServer):
    """Graph API and the Facebook Login dialog for one user who manages ``pages``.

    Switches: ``revoke(token)`` (code 190), ``rate_limit(code)``, ``slow_polls`` (containers
    stay IN_PROGRESS for that many looks), ``container_outcome`` ("ERROR"/"EXPIRED"),
    ``quota_total`` and ``published_recently`` for the publishing limit, ``page_size`` for
    ``/me/accounts`` paging; ``reset_next(path=...)`` drops a reply after the post is created;
    ``insights_granted`` (False: the token lacks ``instagram_manage_insights``) and
    ``no_insights`` (media ids whose insights Instagram refuses, as for an album's child).
    ``add_comment`` seeds a comment from someone else under a post, a media or a comment.
    """

    def __init__(self, *, pages: list[FakePage] | None = None, page_size: int = 2) -> None:
        super().__init__()
        self.pages = pages if pages is not None else default_pages()
        self.page_size = page_size
        self.codes: dict[str, dict[str, str]] = {}
        self.user_tokens: dict[str, str] = {}  # token -> "short" | "long"
        self.revoked: set[str] = set()
        self.posts: list[dict[str, Any]] = []  # Page posts
        self.photos: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.ig_media: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []  # Facebook and Instagram, oldest first
        self.downloads: list[tuple[str, int]] = []  # (url, HTTP status) of every image fetched
        self.slow_polls = 0
        self.container_outcome: str | None = None
        self.quota_total = 50
        self.published_recently: list[datetime] = []
        self.insights_granted = True
        self.no_insights: set[str] = set()
        self.clock = lambda: datetime.now(UTC)
        self._ids = itertools.count(900_000_000_001)
        self._rate_limit: tuple[int, int] | None = None
        self._ids_lock = threading.Lock()

    # --- switches ---------------------------------------------------------------------------

    def revoke(self, token: str | None = None) -> None:
        """Invalidate *token* (every token when None), as a password change does."""
        if token is None:
            self.revoked.update(self.user_tokens)
            self.revoked.update(page.token for page in self.pages)
        else:
            self.revoked.add(token)

    def rate_limit(self, code: int = 4, *, times: int = 1) -> None:
        """Answer the next *times* API calls with rate-limit error *code* (4, 17, 32 or 613)."""
        self._rate_limit = (code, times)

    def fill_quota(self, ig_id: str, times: list[datetime]) -> None:
        """Record posts published at *times* (count towards the 24-hour publishing limit)."""
        with self.lock:
            for when in sorted(times):
                self.ig_media.append(
                    {
                        "id": self._next_id(),
                        "owner": ig_id,
                        "caption": "earlier post",
                        "timestamp": when,
                        "container": None,
                        "children": [],
                        "permalink": f"https://www.instagram.com/p/{secrets.token_urlsafe(8)}/",
                    }
                )
                self.published_recently.append(when)

    def set_engagement(self, node: str, **counts: int) -> None:
        """Give a Page post (reactions, comments, shares) or an Instagram media (likes,
        comments, and the insights shares, saved) its figures; a Page post with no shares
        omits ``shares``, as Graph does."""
        with self.lock:
            for item in [*self.posts, *self.ig_media]:
                if item["id"] == node:
                    item.setdefault("figures", {}).update(counts)
                    return
        raise KeyError(node)

    def delete(self, node: str) -> None:
        """Remove a Page post, Instagram media or comment; reading it then answers code 100/33."""
        with self.lock:
            self.posts = [post for post in self.posts if post["id"] != node]
            self.ig_media = [media for media in self.ig_media if media["id"] != node]
            self.comments = [comment for comment in self.comments if comment["id"] != node]

    def add_comment(
        self,
        parent: str,
        text: str,
        *,
        name: str = "Alice Example",
        username: str = "alice",
        user_id: str = "7001",
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Seed a comment by someone else under a Page post, an Instagram media or a comment."""
        with self.lock:
            return self._new_comment(
                parent, text, author={"id": user_id, "name": name, "username": username}, at=at
            )

    def comments_under(self, parent: str) -> list[dict[str, Any]]:
        """The comments made directly under *parent* (a post, media or comment), oldest first."""
        return [comment for comment in self.comments if comment["parent"] == parent]

    def page(self, page_id: str) -> FakePage:
        return next(page for page in self.pages if page.id == page_id)

    def ig_posts(self, ig_id: str) -> list[dict[str, Any]]:
        return [media for media in self.ig_media if media["owner"] == ig_id]

    # --- dispatch ---------------------------------------------------------------------------

    def respond(self, request: RecordedRequest) -> Reply:
        path = VERSION.sub("", request.path)
        if path == "/dialog/oauth":
            return self._dialog(request)
        if path == "/dialog/oauth/confirm":
            return self._confirm(request)
        if path == "/oauth/access_token":
            return self._access_token(request)
        if path.startswith("/files/"):
            return Reply(404, "not here")
        limited = self._limited()
        if limited is not None:
            return limited
        token = (
            request.bearer
            or request.query.get("access_token")
            or self._fields(request).get("access_token")
        )
        if not token or token in self.revoked or not self._known(token):
            return Reply(
                400,
                graph_error(
                    "Error validating access token: The session has been invalidated because "
                    "the user changed their password or Facebook has changed the session for "
                    "security reasons.",
                    190,
                    subcode=460,
                ),
            )
        parts = [part for part in path.split("/") if part]
        try:
            return self._graph(request, token, parts)
        except KeyError as exc:
            return Reply(
                400,
                graph_error(
                    f"Unsupported request: object {exc} does not exist or cannot be loaded "
                    "due to missing permissions",
                    100,
                    subcode=33,
                    kind="GraphMethodException",
                ),
            )

    def _graph(self, request: RecordedRequest, token: str, parts: list[str]) -> Reply:
        method = request.method
        if len(parts) == 2 and parts[1] == "insights" and method == "GET":
            return self._insights(request, parts[0])
        if parts in (["me", "accounts"], [USER_ID, "accounts"]) and method == "GET":
            return self._accounts(request, token)
        if parts == ["me"] and method == "GET":
            return Reply(200, {"id": USER_ID, "name": "Alex Baker"})
        if len(parts) == 2 and parts[1] == "feed" and method == "POST":
            return self._feed(request, token, parts[0])
        if len(parts) == 2 and parts[1] == "photos" and method == "POST":
            return self._photo(request, token, parts[0])
        if len(parts) == 2 and parts[1] in ("published_posts", "feed") and method == "GET":
            return self._page_posts(request, parts[0])
        if len(parts) == 2 and parts[1] == "media" and method == "POST":
            return self._container(request, token, parts[0])
        if len(parts) == 2 and parts[1] == "media" and method == "GET":
            return self._ig_list(request, parts[0])
        if len(parts) == 2 and parts[1] == "media_publish" and method == "POST":
            return self._publish(request, token, parts[0])
        if len(parts) == 2 and parts[1] == "content_publishing_limit" and method == "GET":
            return self._limit(parts[0])
        if len(parts) == 2 and parts[1] == "comments" and method == "GET":
            return self._list_comments(request, parts[0])
        if len(parts) == 2 and parts[1] == "comments" and method == "POST":
            return self._comment(request, token, parts[0])
        if len(parts) == 2 and parts[1] == "replies" and method == "GET":
            return self._list_comments(request, parts[0])
        if len(parts) == 2 and parts[1] == "replies" and method == "POST":
            return self._ig_reply(request, token, parts[0])
        if len(parts) == 1 and method == "GET":
            return self._node(request, token, parts[0])
        return Reply(400, graph_error("Unknown path components", 2500))

    # --- Facebook Login ---------------------------------------------------------------------

    def _dialog(self, request: RecordedRequest) -> Reply:
        query = request.query
        if query.get("client_id") != APP_ID:
            return Reply(
                200,
                "<html><body><h1>Invalid App ID</h1></body></html>",
                {"Content-Type": "text/html; charset=utf-8"},
            )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in query.items()
        )
        page = f"""<!doctype html><html><head><title>Log in with Facebook</title></head><body>
<h1>planner is requesting access to your Pages</h1>
<p>Scopes: {html.escape(query.get("scope", ""))}</p>
<form method="post" action="{request.path}/confirm">{hidden}
<button name="decision" value="allow">Allow</button>
<button name="decision" value="cancel">Cancel</button></form></body></html>"""
        return Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})

    def _confirm(self, request: RecordedRequest) -> Reply:
        form = dict(parse_qsl(request.body.decode("utf-8")))
        redirect = form.get("redirect_uri", "")
        state = form.get("state", "")
        if form.get("decision") != "allow":
            query = {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                "state": state,
            }
        else:
            code = "code-" + secrets.token_urlsafe(12)
            self.codes[code] = {"redirect_uri": redirect, "scope": form.get("scope", "")}
            query = {"code": code, "state": state}
        separator = "&" if "?" in redirect else "?"
        return Reply(302, "", {"Location": f"{redirect}{separator}{urlencode(query)}#_=_"})

    def _access_token(self, request: RecordedRequest) -> Reply:
        query = request.query
        if query.get("client_id") != APP_ID:
            return Reply(
                400, graph_error("Error validating application. Invalid application ID.", 101)
            )
        if query.get("client_secret") != APP_SECRET:
            return Reply(400, graph_error("Error validating client secret.", 1))
        if query.get("grant_type") == "fb_exchange_token":
            short = query.get("fb_exchange_token", "")
            if self.user_tokens.get(short) is None or short in self.revoked:
                return Reply(
                    400,
                    graph_error(
                        "Error validating access token: Session has expired.", 190, subcode=463
                    ),
                )
            token = "long-" + secrets.token_hex(10)
            self.user_tokens[token] = "long"
            return Reply(
                200,
                {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED_SECONDS},
            )
        code = self.codes.pop(query.get("code", ""), None)
        if code is None:
            return Reply(
                400, graph_error("This authorization code has been used.", 100, subcode=36009)
            )
        if code["redirect_uri"] != query.get("redirect_uri"):
            return Reply(
                400,
                graph_error(
                    "Error validating verification code. Please make sure your redirect_uri is "
                    "identical to the one you used in the OAuth dialog request",
                    100,
                    subcode=36008,
                ),
            )
        token = "short-" + secrets.token_hex(10)
        self.user_tokens[token] = "short"
        return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 5400})

    # --- Graph nodes ------------------------------------------------------------------------

    def _known(self, token: str) -> bool:
        return token in self.user_tokens or any(page.token == token for page in self.pages)

    def _accounts(self, request: RecordedRequest, token: str) -> Reply:
        if token not in self.user_tokens:
            return Reply(
                400, graph_error("(#100) Tried accessing nonexisting field (accounts)", 100)
            )
        start = int(request.query.get("after") or 0)
        chunk = self.pages[start : start + self.page_size]
        data = [
            {
                "id": page.id,
                "name": page.name,
                "access_token": page.token,
                "category": "Bakery",
                "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MANAGE"],
            }
            for page in chunk
        ]
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + 1)}}
        if start + self.page_size < len(self.pages):
            query = urlencode(
                {"access_token": token, "limit": self.page_size, "after": start + self.page_size}
            )
            paging["next"] = f"{GRAPH_HOST}/v25.0/{USER_ID}/accounts?{query}"
        return Reply(200, {"data": data, "paging": paging})

    def _node(self, request: RecordedRequest, token: str, node: str) -> Reply:
        fields = request.query.get("fields", "")
        for page in self.pages:
            if page.id == node:
                answer: dict[str, Any] = {"id": page.id, "name": page.name}
                if "instagram_business_account" in fields and page.ig_id:
                    answer["instagram_business_account"] = {
                        "id": page.ig_id,
                        "username": page.ig_username,
                    }
                return Reply(200, answer)
            if page.ig_id == node:
                return Reply(200, {"id": page.ig_id, "username": page.ig_username})
        for post in self.posts:
            if post["id"] == node:
                answer = {
                    "id": node,
                    "permalink_url": post["permalink_url"],
                    "message": post.get("message"),
                }
                answer.update(_post_figures(post.get("figures", {}), fields))
                return Reply(200, answer)
        if node in self.containers:
            container = self.containers[node]
            if container["status_code"] == "IN_PROGRESS":
                if container["polls"] >= self.slow_polls:
                    container["status_code"] = self.container_outcome or "FINISHED"
                container["polls"] += 1
            answer = {"id": node, "status_code": container["status_code"]}
            if container["status_code"] == "ERROR":
                answer["status"] = "Error: The media could not be fetched from this URI"
            return Reply(200, answer)
        for media in self.ig_media:
            if media["id"] == node:
                answer = {"id": node, "permalink": media["permalink"]}
                figures = media.get("figures", {})
                if "like_count" in fields:
                    answer["like_count"] = figures.get("likes", 0)
                if "comments_count" in fields:
                    answer["comments_count"] = figures.get("comments", 0)
                return Reply(200, answer)
        comment = self._find_comment(node)
        if comment is not None:
            return Reply(200, self._render_comment(comment, fields))
        raise KeyError(node)

    def _insights(self, request: RecordedRequest, node: str) -> Reply:
        """``GET /{ig-media-id}/insights?metric=...``: lifetime values, one entry per metric."""
        media = next((m for m in self.ig_media if m["id"] == node), None)
        if media is None:
            raise KeyError(node)
        if not self.insights_granted:
            return Reply(
                400, graph_error("(#10) Application does not have permission for this action", 10)
            )
        metrics = [name for name in request.query.get("metric", "").split(",") if name]
        if not metrics:
            return Reply(400, graph_error("(#100) The parameter metric is required", 100))
        for index, name in enumerate(metrics):
            if name not in MEDIA_METRICS:
                allowed = ", ".join(MEDIA_METRICS)
                message = f"(#100) metric[{index}] must be one of the following values: {allowed}"
                return Reply(400, graph_error(message, 100, kind="OAuthException"))
        if node in self.no_insights:
            return Reply(
                400,
                graph_error(
                    "(#100) Media Posted Before Business Account Conversion",
                    100,
                    subcode=2108006,
                    kind="IGApiException",
                ),
            )
        figures = media.get("figures", {})
        data = [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": figures.get(name, 0)}],
                "title": name.replace("_", " ").capitalize(),
                "description": f"The number of {name.replace('_', ' ')} of the media.",
                "id": f"{node}/insights/{name}/lifetime",
            }
            for name in metrics
        ]
        return Reply(200, {"data": data})

    def _page_token_for(self, token: str, page_id: str) -> Reply | None:
        page = self.page(page_id)
        if token != page.token:
            return Reply(
                403,
                graph_error(
                    "(#200) If posting to a page, requires both pages_read_engagement and "
                    "pages_manage_posts as an admin with sufficient administrative permission",
                    200,
                ),
            )
        return None

    def _feed(self, request: RecordedRequest, token: str, page_id: str) -> Reply:
        refused = self._page_token_for(token, page_id)
        if refused is not None:
            return refused
        fields = self._fields(request)
        attached = fields.get("attached_media") or []
        if not fields.get("message") and not fields.get("link") and not attached:
            return Reply(400, graph_error("(#100) Missing message or attachment", 100))
        photos = []
        for item in attached:
            photo = self.photos.get(str(item.get("media_fbid")))
            if photo is None or photo["published"]:
                return Reply(
                    400,
                    graph_error("(#100) param attached_media must be an unpublished photo", 100),
                )
            photos.append(photo)
        post = self._new_post(
            page_id, fields.get("message"), link=fields.get("link"), photos=photos
        )
        return Reply(200, _read_after_write(post, fields.get("fields"), ("permalink_url",)))

    def _photo(self, request: RecordedRequest, token: str, page_id: str) -> Reply:
        refused = self._page_token_for(token, page_id)
        if refused is not None:
            return refused
        fields = self._fields(request)
        problem = self._download(str(fields.get("url") or ""), jpeg_only=False)
        if problem is not None:
            return Reply(400, graph_error(problem, 324, subcode=2069019))
        photo_id = self._next_id()
        published = fields.get("published", True) not in (False, "false", "0")
        photo = {
            "id": photo_id,
            "url": fields.get("url"),
            "published": published,
            "alt": fields.get("alt_text_custom"),
        }
        self.photos[photo_id] = photo
        if not published:
            return Reply(200, {"id": photo_id})
        post = self._new_post(page_id, fields.get("caption"), photos=[photo])
        return Reply(200, {"id": photo_id, "post_id": post["id"]})

    def _new_post(
        self, page_id: str, message: Any, *, link: Any = None, photos: list[dict[str, Any]]
    ) -> dict[str, Any]:
        post_id = f"{page_id}_{self._next_id()}"
        for photo in photos:
            photo["published"] = True
        post = {
            "id": post_id,
            "page_id": page_id,
            "message": message,
            "link": link,
            "photos": [photo["id"] for photo in photos],
            "created_time": self.clock(),
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{post_id.split('_')[1]}",
        }
        with self.lock:
            self.posts.append(post)
        return post

    def _page_posts(self, request: RecordedRequest, page_id: str) -> Reply:
        since = int(request.query.get("since") or 0)
        found = [
            {
                "id": post["id"],
                "message": post["message"],
                "created_time": _graph_time(post["created_time"]),
                "permalink_url": post["permalink_url"],
            }
            for post in reversed(self.posts)
            if post["page_id"] == page_id and post["created_time"].timestamp() >= since
        ]
        return Reply(200, {"data": found, "paging": {}})

    # --- Instagram --------------------------------------------------------------------------

    def _ig_owner(self, token: str, ig_id: str) -> Reply | None:
        page = next((page for page in self.pages if page.ig_id == ig_id), None)
        if page is None:
            raise KeyError(ig_id)
        if token != page.token:
            return Reply(
                400, graph_error("(#10) Application does not have permission for this action", 10)
            )
        return None

    def _container(self, request: RecordedRequest, token: str, ig_id: str) -> Reply:
        refused = self._ig_owner(token, ig_id)
        if refused is not None:
            return refused
        fields = self._fields(request)
        if fields.get("media_type") == "CAROUSEL":
            children = [c for c in str(fields.get("children") or "").split(",") if c]
            if not 2 <= len(children) <= 10 or any(
                not self.containers.get(c, {}).get("carousel_item") for c in children
            ):
                return Reply(
                    400,
                    graph_error(
                        "(#100) The carousel needs 2 to 10 valid children", 100, subcode=2207004
                    ),
                )
            container = {"children": children}
        else:
            url = str(fields.get("image_url") or "")
            if not url:
                return Reply(
                    400,
                    graph_error(
                        "(#100) Only photo or video can be accepted as media type.",
                        100,
                        subcode=2207052,
                    ),
                )
            problem = self._download(url, jpeg_only=True)
            if problem is not None:
                code, subcode = (36003, 2207009) if "aspect ratio" in problem else (9004, 2207052)
                return Reply(400, graph_error(problem, code, subcode=subcode))
            container = {"image_url": url, "alt_text": fields.get("alt_text")}
        container_id = self._next_id()
        container.update(
            id=container_id,
            owner=ig_id,
            caption=fields.get("caption"),
            polls=0,
            carousel_item=fields.get("is_carousel_item") in (True, "true"),
            status_code="IN_PROGRESS",
        )
        self.containers[container_id] = container
        return Reply(200, {"id": container_id})

    def _publish(self, request: RecordedRequest, token: str, ig_id: str) -> Reply:
        refused = self._ig_owner(token, ig_id)
        if refused is not None:
            return refused
        fields = self._fields(request)
        container = self.containers.get(str(fields.get("creation_id")))
        if container is None or container["owner"] != ig_id:
            return Reply(400, graph_error("(#100) The media ID is invalid", 100, subcode=2207006))
        if container["status_code"] != "FINISHED":
            return Reply(400, graph_error("Media ID is not available", 9007, subcode=2207027))
        if self._used() >= self.quota_total:
            return Reply(
                400, graph_error("(#9) Application request limit reached", 9, subcode=2207042)
            )
        container["status_code"] = "PUBLISHED"
        media_id = self._next_id()
        now = self.clock()
        with self.lock:
            self.ig_media.append(
                {
                    "id": media_id,
                    "owner": ig_id,
                    "caption": container["caption"],
                    "timestamp": now,
                    "container": container["id"],
                    "children": container.get("children", []),
                    "permalink": f"https://www.instagram.com/p/{secrets.token_urlsafe(8)}/",
                }
            )
            self.published_recently.append(now)
            media = self.ig_media[-1]
        return Reply(200, _read_after_write(media, fields.get("fields"), ("permalink",)))

    def _ig_list(self, request: RecordedRequest, ig_id: str) -> Reply:
        limit = int(request.query.get("limit") or 25)
        found = [
            {
                "id": media["id"],
                "caption": media["caption"],
                "timestamp": _graph_time(media["timestamp"]),
                "permalink": media["permalink"],
            }
            for media in reversed(self.ig_posts(ig_id))
        ][:limit]
        return Reply(200, {"data": found, "paging": {}})

    def _limit(self, ig_id: str) -> Reply:
        return Reply(
            200,
            {
                "data": [
                    {
                        "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                        "quota_usage": self._used(),
                    }
                ]
            },
        )

    def _used(self) -> int:
        since = self.clock() - timedelta(hours=24)
        return sum(1 for when in self.published_recently if when > since)

    # --- comments ---------------------------------------------------------------------------

    def _root_of(self, node: str) -> tuple[str, dict[str, Any]]:
        """Return ("facebook" or "instagram", the post or media) that *node* hangs under."""
        for post in self.posts:
            if post["id"] == node:
                return "facebook", post
        for media in self.ig_media:
            if media["id"] == node:
                return "instagram", media
        comment = self._find_comment(node)
        if comment is None:
            raise KeyError(node)
        return self._root_of(comment["on"])

    def _find_comment(self, node: str) -> dict[str, Any] | None:
        return next((comment for comment in self.comments if comment["id"] == node), None)

    def _new_comment(
        self, parent: str, text: str, *, author: dict[str, str], at: datetime | None = None
    ) -> dict[str, Any]:
        network, root = self._root_of(parent)
        above = self._find_comment(parent)
        if network == "instagram" and above is not None and above["parent"] != above["on"]:
            parent = above["parent"]  # "replies to a reply will be added to the top-level comment"
        comment_id = self._next_id()
        if network == "facebook":
            comment_id = f"{root['id'].split('_')[-1]}_{comment_id}"
        comment = {
            "id": comment_id,
            "network": network,
            "on": root["id"],
            "parent": parent,
            "text": text,
            "author": dict(author),
            "created": at or self.clock(),
            "permalink_url": f"{root.get('permalink_url') or root.get('permalink')}"
            f"?comment_id={comment_id}",
        }
        self.comments.append(comment)
        return comment

    def _render_comment(self, comment: dict[str, Any], fields: str) -> dict[str, Any]:
        """A comment as Graph returns it: only the fields asked for (``id`` always)."""
        wanted = _field_names(fields) or {"id", "message", "text", "created_time", "timestamp"}
        author = comment["author"]
        top_level = comment["parent"] == comment["on"]
        if comment["network"] == "facebook":
            values: dict[str, Any] = {
                "message": comment["text"],
                "from": {"id": author["id"], "name": author["name"]},
                "created_time": _graph_time(comment["created"]),
                "permalink_url": comment["permalink_url"],
            }
            if not top_level:
                values["parent"] = {"id": comment["parent"]}
        else:
            values = {
                "text": comment["text"],
                "username": author["username"],
                "from": {"id": author["id"], "username": author["username"]},
                "timestamp": _graph_time(comment["created"]),
            }
            if not top_level:
                values["parent_id"] = comment["parent"]
            if top_level and "replies" in wanted:
                inner = _expansion(fields, "replies")
                values["replies"] = {
                    "data": [
                        self._render_comment(reply, inner)
                        for reply in self.comments_under(comment["id"])
                    ]
                }
        answer = {"id": comment["id"]}
        answer.update({name: value for name, value in values.items() if name in wanted})
        return answer

    def _list_comments(self, request: RecordedRequest, node: str) -> Reply:
        network, root = self._root_of(node)
        if network == "instagram" or node != root["id"]:
            found = self.comments_under(node)
        elif request.query.get("filter") == "stream":  # replies to comments come too
            found = [comment for comment in self.comments if comment["on"] == node]
        else:
            found = self.comments_under(node)
        if request.query.get("order") == "reverse_chronological":
            found = list(reversed(found))
        limit = int(request.query.get("limit") or 25)
        start = int(request.query.get("after") or 0)
        fields = request.query.get("fields", "")
        data = [self._render_comment(comment, fields) for comment in found[start : start + limit]]
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + limit)}}
        if start + limit < len(found):
            query = {key: value for key, value in request.query.items() if key != "access_token"}
            query["after"] = str(start + limit)
            paging["next"] = f"{GRAPH_HOST}/v25.0{VERSION.sub('', request.path)}?{urlencode(query)}"
        return Reply(200, {"data": data, "paging": paging})

    def _comment(self, request: RecordedRequest, token: str, node: str) -> Reply:
        """``POST /{post-or-comment-id}/comments``: the Page comments, with its Page token."""
        network, root = self._root_of(node)
        page = next(
            (p for p in self.pages if p.id == root.get("page_id") or p.ig_id == root.get("owner")),
            None,
        )
        if page is None or token != page.token:
            return Reply(
                403,
                graph_error(
                    "(#200) Permissions error: requires pages_manage_engagement and the "
                    "MODERATE task on the Page",
                    200,
                ),
            )
        message = str(self._fields(request).get("message") or "")
        if not message.strip():
            return Reply(400, graph_error("(#100) Missing message or attachment", 100))
        if network == "facebook":
            author = {"id": page.id, "name": page.name, "username": ""}
        else:
            author = {"id": str(page.ig_id), "name": "", "username": str(page.ig_username)}
        with self.lock:
            comment = self._new_comment(node, message, author=author)
        return Reply(200, {"id": comment["id"]})

    def _ig_reply(self, request: RecordedRequest, token: str, node: str) -> Reply:
        """``POST /{ig-comment-id}/replies``: the account replies to a comment on its media."""
        if self._find_comment(node) is None or self._root_of(node)[0] != "instagram":
            raise KeyError(node)
        return self._comment(request, token, node)

    # --- helpers ----------------------------------------------------------------------------

    def _limited(self) -> Reply | None:
        with self.lock:
            if self._rate_limit is None:
                return None
            code, times = self._rate_limit
            self._rate_limit = (code, times - 1) if times > 1 else None
        usage = {"call_count": 100, "total_cputime": 12, "total_time": 30}
        business = {
            "1001": [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 10,
                    "total_time": 20,
                    "estimated_time_to_regain_access": 7,
                }
            ]
        }
        messages = {
            4: "(#4) Application request limit reached",
            17: "(#17) User request limit reached",
            32: "(#32) Page request limit reached",
            613: "(#613) Calls to this api have exceeded the rate limit.",
        }
        return Reply(
            400 if code != 32 else 403,
            graph_error(messages.get(code, "Rate limited"), code),
            {"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(business)},
        )

    def _fields(self, request: RecordedRequest) -> dict[str, Any]:
        """The request's parameters: JSON body, form body, then the query string."""
        values: dict[str, Any] = dict(request.query)
        content_type = request.headers.get("content-type", "")
        if request.body and "json" in content_type:
            body = request.json
            if isinstance(body, dict):
                values.update(body)
        elif request.body and "x-www-form-urlencoded" in content_type:
            values.update(parse_qsl(request.body.decode("utf-8")))
        return values

    def _download(self, url: str, *, jpeg_only: bool) -> str | None:
        """Fetch *url* as Meta's crawler does; say what is wrong with it, or None."""
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                data = answer.read()
                status = answer.status
        except Exception as exc:
            self.downloads.append((url, getattr(exc, "code", 0)))
            return (
                f"Media download has failed.: The media could not be fetched from this URI: {url}"
            )
        self.downloads.append((url, status))
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind, width, height = image.format, image.width, image.height
        except Exception:
            return "The image format is not supported."
        if jpeg_only and kind != "JPEG":
            return "Only photo or video can be accepted as media type. The image must be a JPEG."
        if jpeg_only and not 0.795 <= width / height <= 1.915:
            return f"The aspect ratio is not supported. ({width}x{height} is outside 4:5 to 1.91:1)"
        return None

    def _next_id(self) -> str:
        with self._ids_lock:
            return str(next(self._ids))


def _post_figures(figures: dict[str, int], fields: str) -> dict[str, Any]:
    """A Page post's edges as ``fields=reactions.summary(total_count),...`` returns them."""
    answer: dict[str, Any] = {}
    if "reactions" in fields:
        answer["reactions"] = {"data": [], "summary": {"total_count": figures.get("reactions", 0)}}
    if "comments" in fields:
        answer["comments"] = {
            "data": [],
            "summary": {"order": "ranked", "total_count": figures.get("comments", 0)},
        }
    if "shares" in fields and figures.get("shares"):
        answer["shares"] = {"count": figures["shares"]}
    return answer


def _field_names(fields: str) -> set[str]:
    """The top-level names of a ``fields`` parameter: ``a,b{c,d},e`` -> {a, b, e}."""
    names, depth, current = set(), 0, ""
    for char in fields:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            names.add(current.strip())
            current = ""
            continue
        if depth == 0 and char not in "{}":
            current += char
    names.add(current.strip())
    return {name.split(".")[0] for name in names if name}


def _expansion(fields: str, name: str) -> str:
    """The inner field list of ``name{...}`` in *fields*, or "" when it has none."""
    match = re.search(rf"(?:^|,){re.escape(name)}\{{", fields)
    if match is None:
        return ""
    depth, start = 1, match.end()
    for index in range(start, len(fields)):
        if fields[index] == "{":
            depth += 1
        elif fields[index] == "}":
            depth -= 1
            if depth == 0:
                return fields[start:index]
    return ""


def _graph_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ImageHost(FakeServer):
    """A tiny public file server: ``put(bytes, mime)`` returns an address Meta can fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[bytes, str]] = {}

    def put(self, data: bytes, mime: str) -> str:
        name = secrets.token_hex(8)
        self.files[name] = (data, mime)
        return f"{self.url}/files/{name}"

    def respond(self, request: RecordedRequest) -> Reply:
        found = self.files.get(request.path.removeprefix("/files/"))
        if found is None:
            return Reply(404, "not found")
        data, mime = found
        return Reply(200, data, {"Content-Type": mime})


def _read_after_write(
    node: dict[str, Any], asked: Any, readable: tuple[str, ...]
) -> dict[str, Any]:
    """A POST's answer: the new node's id, plus the fields asked for in ``fields`` (Graph's
    read-after-write), of those this fake keeps."""
    answer = {"id": node["id"]}
    for name in str(asked or "").split(","):
        if name.strip() in readable:
            answer[name.strip()] = node[name.strip()]
    return answer
