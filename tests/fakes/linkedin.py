"""A fake LinkedIn: Sign In with LinkedIn, the versioned Posts and Images APIs, and their errors.

Written from LinkedIn's Marketing API documentation: every ``/rest`` call names a
``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0``; ``POST /rest/posts`` answers 201
with the new post's URN in ``x-restli-id``; validation errors are 422 with LinkedIn's JSON; reading
a member's posts needs ``r_member_social``. The Comments API: ``/rest/socialActions/{post or
comment URN, encoded}/comments`` lists and creates comments, ``.../comments/{id}`` reads one;
comments are two levels deep (a reply names its top-level ``parentComment``), each named
``urn:li:comment:(urn:li:activity:…,id)`` after the post's activity. An organization's share
statistics (reshares) need an administrator's reporting permission and take the posts as a
Rest.li ``List(...)`` of encoded URNs.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.fakes.oauth import OAuthDesk
from tests.fakes.server import FakeServer, RecordedRequest, Reply

ACCESS_SECONDS = 60 * 24 * 3600
REFRESH_SECONDS = 365 * 24 * 3600
MAX_COMMENTARY = 3000
MAX_COMMENT = 1250
HOSTS = ("www.linkedin.com", "api.linkedin.com")
VERSION = re.compile(r"^\d{6}(\.\d{2})?$")
_ESCAPED = re.compile(r"\\(.)", re.S)
_RESTLI_LIST = re.compile(r"^List\((.*)\)$")
# An administrator's reporting data: the Community Management API grants r_organization_admin;
# the share statistics page names rw_organization_admin.
REPORTING_SCOPES = frozenset({"r_organization_admin", "rw_organization_admin"})


def linkedin_error(status: int, message: str, code: str, service: int | None = None) -> Reply:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service is not None:
        body["serviceErrorCode"] = service
    return Reply(status, body)


def unprocessable(message: str, field: str) -> Reply:
    return Reply(
        422,
        {
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": message,
            "errorDetails": {
                "inputErrors": [
                    {
                        "description": message,
                        "input": {"inputPath": {"fieldPath": field}},
                        "code": "FIELD_VALUE_TOO_LONG" if "length" in message else "INVALID_VALUE",
                    }
                ]
            },
            "status": 422,
        },
    )


def render(commentary: str) -> str:
    """Show commentary as LinkedIn's feed does: escaped characters appear as themselves."""
    return _ESCAPED.sub(r"\1", commentary)


class FakeLinkedIn(FakeServer):
    """One member who administers one organization page."""

    def __init__(
        self,
        *,
        client_id: str = "linkedin-app",
        client_secret: str = "linkedin-secret",
        member_id: str = "aBcD3fGh1J",
        member_name: str = "Ada Baker",
        organization_id: str = "2414183",
        organization_name: str = "Baker & Sons",
        grant_refresh_tokens: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.desk = OAuthDesk(
            client_id=client_id,
            client_secret=client_secret,
            access_seconds=ACCESS_SECONDS,
            clock=clock,
        )
        self.clock = clock
        self.member = f"urn:li:person:{member_id}"
        self.member_id = member_id
        self.member_name = member_name
        self.organization = f"urn:li:organization:{organization_id}"
        self.organization_name = organization_name
        self.grant_refresh_tokens = grant_refresh_tokens
        self.posts: list[dict[str, Any]] = []  # newest last
        self.images: dict[str, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []  # oldest first, ours included
        self._ids = itertools.count(7100000000000000001)
        self.rate_limited = 0  # answer that many /rest calls with 429 (and Retry-After)

    def set_engagement(
        self, urn: str, *, likes: int = 0, comments: int = 0, reposts: int = 0
    ) -> None:
        """Give a post its social actions (likes, comments including replies) and reshares."""
        post = next(p for p in self.posts if p["id"] == urn)
        post["figures"] = {"likes": likes, "comments": comments, "reposts": reposts}

    def delete(self, urn: str) -> None:
        """Remove a post or a comment; its social actions then answer 404."""
        with self.lock:
            self.posts = [p for p in self.posts if p["id"] != urn]
            self.comments = [c for c in self.comments if c["urn"] != urn and c["parent"] != urn]

    def add_comment(
        self,
        post_urn: str,
        text: str,
        *,
        actor: str = "urn:li:person:c0mm3nt3r",
        parent: str | None = None,
        at: float | None = None,
    ) -> dict[str, Any]:
        """Seed a comment on our post (or, with *parent*, a reply to a top-level comment)."""
        post = next(p for p in self.posts if p["id"] == post_urn)
        return self._add_comment(post, actor, text, parent, at)

    def comments_under(self, target: str) -> list[dict[str, Any]]:
        """Return the comments on a post or the replies to a comment, oldest first."""
        with self.lock:
            post = self._post_of(target)
            if post is not None:
                return [c for c in self.comments if c["post"] == post["id"] and not c["parent"]]
            return [c for c in self.comments if c["parent"] == target]

    def lose_reply_after_commenting(self) -> None:
        """Create the next comment but reset the connection instead of answering."""
        self.reset_next(path="/comments", method="POST")

    def _add_comment(
        self,
        post: dict[str, Any],
        actor: str,
        text: str,
        parent: str | None,
        at: float | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            comment_id = str(next(self._ids))
            comment = {
                "id": comment_id,
                "urn": f"urn:li:comment:({post['activity']},{comment_id})",
                "post": post["id"],
                "activity": post["activity"],
                "actor": actor,
                "text": text,
                "parent": parent,
                "created": int((self.clock() if at is None else at) * 1000),
            }
            self.comments.append(comment)
            return comment

    def _post_of(self, urn: str) -> dict[str, Any] | None:
        """The post a share or activity URN names."""
        return next((p for p in self.posts if urn in (p["id"], p["activity"])), None)

    def _element(self, comment: dict[str, Any]) -> dict[str, Any]:
        """A comment as the Comments API shows it."""
        replies = [c for c in self.comments if c["parent"] == comment["urn"]]
        stamp = {"actor": comment["actor"], "time": comment["created"]}
        element: dict[str, Any] = {
            "$URN": comment["urn"],
            "commentUrn": comment["urn"],
            "id": comment["id"],
            "actor": comment["actor"],
            "object": comment["activity"],
            "message": {"text": comment["text"], "attributes": []},
            "created": stamp,
            "lastModified": stamp,
            "likesSummary": {"selectedLikes": [], "aggregatedTotalLikes": 0, "totalLikes": 0},
            "commentsSummary": {
                "selectedComments": [c["urn"] for c in replies][:10],
                "totalFirstLevelComments": len(replies),
                "aggregatedTotalComments": len(replies),
            },
        }
        if comment["parent"]:
            element["parentComment"] = comment["parent"]
        if comment["actor"].startswith("urn:li:organization:"):
            element["agent"] = self.member
        return element

    @property
    def overrides(self) -> dict[str, str]:
        """Host overrides that send every LinkedIn host (pages, API, uploads) to this fake."""
        return dict.fromkeys(HOSTS, self.url)

    def token(self, scope: str = "openid profile w_member_social", **kwargs: Any) -> str:
        """Issue an access token with *scope*, as a finished sign-in gives."""
        return self.desk.new_access(scope, **kwargs).value

    def lose_reply_after_posting(self) -> None:
        """Create the next post but reset the connection instead of answering."""
        self.reset_next(path="/rest/posts")

    def respond(self, request: RecordedRequest) -> Reply:
        path, method = request.path, request.method
        if path == "/oauth/v2/authorization":
            return self.desk.page(request, title="planner would like to access your LinkedIn")
        if path == "/oauth/v2/accessToken" and method == "POST":
            return self._token_endpoint(dict(parse_qsl(request.body.decode())))
        token = self.desk.valid(request.bearer)
        if token is None:
            known = self.desk.access.get(request.bearer or "")
            if known is not None and not known.revoked:
                return linkedin_error(
                    401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65601
                )
            return linkedin_error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        scopes = set(token.scope.replace(",", " ").split())
        if path.startswith("/dms-uploads/") and method == "PUT":
            return self._upload(path.rsplit("/", 1)[-1], request)
        if path == "/v2/userinfo" and method == "GET":
            return Reply(
                200,
                {
                    "sub": self.member_id,
                    "name": self.member_name,
                    "given_name": self.member_name.split()[0],
                    "family_name": self.member_name.split()[-1],
                    "locale": {"country": "GB", "language": "en"},
                },
            )
        if not path.startswith("/rest/"):
            return linkedin_error(404, f"No resource found for {path}", "NOT_FOUND")
        version = request.headers.get("linkedin-version", "")
        if not VERSION.match(version):
            return linkedin_error(
                426,
                "A version must be present in the LinkedIn-Version header",
                "NONEXISTENT_VERSION",
            )
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return linkedin_error(400, "X-Restli-Protocol-Version 2.0.0 is required", "BAD_REQUEST")
        if self.rate_limited > 0:
            self.rate_limited -= 1
            reply = linkedin_error(
                429, "Resource level throttle limit reached", "TOO_MANY_REQUESTS"
            )
            reply.headers["Retry-After"] = "90"
            return reply
        if path.startswith("/rest/socialActions/"):
            parts = path.removeprefix("/rest/socialActions/").split("/")
            if len(parts) == 1 and method == "GET":
                return self._social_actions(parts[0], scopes)
            if len(parts) in (2, 3) and parts[1] == "comments":
                return self._comments(method, parts[0], parts[2:], request, scopes)
        if path == "/rest/organizationalEntityShareStatistics" and method == "GET":
            return self._share_statistics(request, scopes)
        if path == "/rest/organizationAcls" and method == "GET":
            return self._acls(request, scopes)
        if path.startswith("/rest/organizations/") and method == "GET":
            org_id = path.rsplit("/", 1)[-1]
            if f"urn:li:organization:{org_id}" != self.organization:
                return linkedin_error(404, "Organization not found", "NOT_FOUND")
            return Reply(200, {"id": int(org_id), "localizedName": self.organization_name})
        if path == "/rest/images" and method == "POST":
            return self._initialize_upload(request, scopes)
        if path == "/rest/posts" and method == "POST":
            return self._create(request, scopes)
        if path == "/rest/posts" and method == "GET":
            return self._find(request, scopes)
        return linkedin_error(404, f"No resource found for {method} {path}", "NOT_FOUND")

    # OAuth ---------------------------------------------------------------------------

    def _token_endpoint(self, fields: dict[str, str]) -> Reply:
        grant_type = fields.get("grant_type")
        if (fields.get("client_id"), fields.get("client_secret")) != (
            self.desk.client_id,
            self.desk.client_secret,
        ):
            return Reply(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if grant_type == "authorization_code":
            error, code = self.desk.redeem(fields)
            if code is None:
                return Reply(
                    400,
                    {
                        "error": error,
                        "error_description": "The provided authorization grant or refresh token "
                        "is invalid, expired or revoked",
                    },
                )
            return Reply(200, self._tokens(code.scope))
        if grant_type == "refresh_token":
            old = self.desk.valid(fields.get("refresh_token"), "refresh")
            if old is None:
                return Reply(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "The provided authorization grant or refresh token "
                        "is invalid, expired or revoked",
                    },
                )
            with self.desk.lock:
                self.desk.refreshes += 1
            access = self.desk.new_access(old.scope)
            # LinkedIn keeps the refresh token (and its expiry) the same across refreshes.
            return Reply(
                200,
                {
                    "access_token": access.value,
                    "expires_in": ACCESS_SECONDS,
                    "refresh_token": old.value,
                    "refresh_token_expires_in": self.desk.expires_in(old),
                    "scope": old.scope,
                },
            )
        return Reply(
            400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
        )

    def _tokens(self, scope: str) -> dict[str, Any]:
        scope = ",".join(scope.split())
        access = self.desk.new_access(scope)
        body: dict[str, Any] = {
            "access_token": access.value,
            "expires_in": ACCESS_SECONDS,
            "scope": scope,
        }
        if self.grant_refresh_tokens:
            refresh = self.desk.new_refresh(scope, REFRESH_SECONDS)
            body |= {"refresh_token": refresh.value, "refresh_token_expires_in": REFRESH_SECONDS}
        return body

    # The API -------------------------------------------------------------------------

    def _can_post_as(self, author: str, scopes: set[str]) -> bool:
        if author == self.member:
            return "w_member_social" in scopes
        return author == self.organization and "w_organization_social" in scopes

    def _acls(self, request: RecordedRequest, scopes: set[str]) -> Reply:
        if "r_organization_admin" not in scopes:
            return linkedin_error(
                403,
                "Not enough permissions to access: organizationAcls.FINDER-roleAssignee",
                "ACCESS_DENIED",
                100,
            )
        if request.query.get("q") != "roleAssignee":
            return linkedin_error(400, "Invalid finder", "BAD_REQUEST")
        return Reply(
            200,
            {
                "elements": [
                    {
                        "roleAssignee": self.member,
                        "role": "ADMINISTRATOR",
                        "state": "APPROVED",
                        "organization": self.organization,
                    }
                ],
                "paging": {"start": 0, "count": 10, "total": 1},
            },
        )

    def _initialize_upload(self, request: RecordedRequest, scopes: set[str]) -> Reply:
        if request.query.get("action") != "initializeUpload":
            return linkedin_error(400, "Unknown action", "BAD_REQUEST")
        owner = ((request.json or {}).get("initializeUploadRequest") or {}).get("owner")
        if not self._can_post_as(str(owner), scopes):
            return linkedin_error(
                403, f"Not enough permissions to upload as {owner}", "ACCESS_DENIED", 100
            )
        with self.lock:
            number = next(self._ids)
            urn = f"urn:li:image:D4E10AQ{number}"
            self.images[urn] = {
                "owner": owner,
                "data": None,
                "status": "WAITING_UPLOAD",
                "number": number,
            }
        return Reply(
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": int((self.clock() + 3600) * 1000),
                    "uploadUrl": f"https://www.linkedin.com/dms-uploads/{number}",
                    "image": urn,
                }
            },
        )

    def _upload(self, number: str, request: RecordedRequest) -> Reply:
        with self.lock:
            for image in self.images.values():
                if str(image["number"]) == number:
                    image["data"] = request.body
                    image["mime"] = request.headers.get("content-type")
                    image["status"] = "AVAILABLE"
                    return Reply(201, b"")
        return linkedin_error(404, "Upload not found", "NOT_FOUND")

    def _create(self, request: RecordedRequest, scopes: set[str]) -> Reply:
        body = request.json
        if not isinstance(body, dict):
            return linkedin_error(400, "The request body is not JSON", "BAD_REQUEST")
        author = str(body.get("author") or "")
        if not self._can_post_as(author, scopes):
            return linkedin_error(
                403,
                f"Not enough permissions to access: partnerApiPostsExternal.CREATE for {author}",
                "ACCESS_DENIED",
                100,
            )
        commentary = body.get("commentary") or ""
        if len(commentary) > MAX_COMMENTARY:
            return unprocessable(
                f"/commentary :: length of {len(commentary)} exceeds the maximum allowed length "
                f"{MAX_COMMENTARY}",
                "/commentary",
            )
        for name, wanted in (("lifecycleState", "PUBLISHED"), ("visibility", "PUBLIC")):
            if body.get(name) != wanted:
                return unprocessable(f"/{name} :: {body.get(name)!r} is not supported", f"/{name}")
        if not isinstance(body.get("distribution"), dict):
            return unprocessable(
                "/distribution :: field is required but not found", "/distribution"
            )
        problem = self._check_content(body.get("content"))
        if problem:
            return unprocessable(problem, "/content")
        with self.lock:
            urn = f"urn:li:share:{next(self._ids)}"
            activity = f"urn:li:activity:{next(self._ids)}"
            now_ms = int(self.clock() * 1000)
            self.posts.append(
                {
                    "id": urn,
                    "activity": activity,
                    "author": author,
                    "commentary": commentary,
                    "text": render(commentary),
                    "content": body.get("content"),
                    "visibility": "PUBLIC",
                    "lifecycleState": "PUBLISHED",
                    "createdAt": now_ms,
                    "publishedAt": now_ms,
                    "lastModifiedAt": now_ms,
                    "version": request.headers.get("linkedin-version"),
                }
            )
        return Reply(201, b"", {"x-restli-id": urn, "x-linkedin-id": urn})

    def _check_content(self, content: Any) -> str | None:
        if content is None:
            return None
        if not isinstance(content, dict) or len(content) != 1:
            return "/content :: exactly one of media, multiImage or article"
        ids: list[str] = []
        if "media" in content:
            ids = [str(content["media"].get("id"))]
        elif "multiImage" in content:
            ids = [str(image.get("id")) for image in content["multiImage"].get("images") or []]
            if not 2 <= len(ids) <= 20:
                return "/content/multiImage/images :: between 2 and 20 images"
        elif "article" in content:
            if not str(content["article"].get("source") or "").startswith(("http://", "https://")):
                return "/content/article/source :: must be a supported URL"
            return None
        with self.lock:
            for image_id in ids:
                image = self.images.get(image_id)
                if image is None or image["status"] != "AVAILABLE":
                    return f"/content :: image {image_id} is not uploaded"
        return None

    def _find(self, request: RecordedRequest, scopes: set[str]) -> Reply:
        query = request.query
        if query.get("q") != "author":
            return linkedin_error(400, "Invalid finder", "BAD_REQUEST")
        author = query.get("author", "")
        needed = "r_member_social" if author == self.member else "r_organization_social"
        if needed not in scopes:
            return linkedin_error(
                403,
                "Not enough permissions to access: partnerApiPostsExternal.FINDER-author",
                "ACCESS_DENIED",
                100,
            )
        count = int(query.get("count") or 10)
        with self.lock:
            mine = [post for post in reversed(self.posts) if post["author"] == author][:count]
        shown = [
            {k: v for k, v in post.items() if k not in ("text", "version", "activity")}
            for post in mine
        ]
        return Reply(
            200, {"elements": shown, "paging": {"start": 0, "count": count, "total": len(mine)}}
        )

    def _comments(
        self, method: str, raw: str, rest: list[str], request: RecordedRequest, scopes: set[str]
    ) -> Reply:
        """``/rest/socialActions/{target}/comments[/{id}]``: list, read or create comments."""
        if ":" in raw:
            return linkedin_error(400, "Syntax exception in path variables", "BAD_REQUEST")
        target = unquote(raw)
        with self.lock:
            post = self._post_of(target)
            parent = next((c for c in self.comments if c["urn"] == target), None)
            if post is None and parent is not None:
                post = next((p for p in self.posts if p["id"] == parent["post"]), None)
        if post is None:
            return linkedin_error(404, f"Entity {target} not found", "NOT_FOUND")
        if method == "POST" and not rest:
            return self._comment(post, parent, request, scopes)
        if method != "GET":
            return linkedin_error(405, f"Method {method} not allowed", "METHOD_NOT_ALLOWED")
        needed = "r_member_social" if post["author"] == self.member else "r_organization_social"
        if needed not in scopes:
            return linkedin_error(
                403, "Not enough permissions to access: comments.GET", "ACCESS_DENIED", 100
            )
        with self.lock:
            if rest:
                found = next((c for c in self.comments if c["id"] == rest[0]), None)
                if found is None or found["post"] != post["id"]:
                    return linkedin_error(404, f"Comment {rest[0]} not found", "NOT_FOUND")
                return Reply(200, self._element(found))
            under = [
                c
                for c in self.comments
                if (
                    c["parent"] == target if parent else c["post"] == post["id"] and not c["parent"]
                )
            ]
            start = int(request.query.get("start") or 0)
            count = int(request.query.get("count") or 10)
            page = [self._element(c) for c in under[start : start + count]]
        return Reply(
            200,
            {"elements": page, "paging": {"start": start, "count": count, "total": len(under)}},
        )

    def _comment(
        self,
        post: dict[str, Any],
        parent: dict[str, Any] | None,
        request: RecordedRequest,
        scopes: set[str],
    ) -> Reply:
        """Create a comment as documented: actor, object, message, parentComment for a reply."""
        body = request.json
        if not isinstance(body, dict):
            return linkedin_error(400, "The request body is not JSON", "BAD_REQUEST")
        actor = str(body.get("actor") or "")
        if not self._can_post_as(actor, scopes):
            return linkedin_error(
                403, f"Not enough permissions to comment as {actor}", "ACCESS_DENIED", 100
            )
        if body.get("object") not in (post["id"], post["activity"]):
            return unprocessable("/object :: must be the post commented on", "/object")
        message = body.get("message")
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(text, str) or not text.strip():
            return unprocessable("/message/text :: field is required but not found", "/message")
        if len(text) > MAX_COMMENT:
            return unprocessable(
                f"/message/text :: length of {len(text)} exceeds the maximum allowed length "
                f"{MAX_COMMENT}",
                "/message/text",
            )
        wanted = body.get("parentComment")
        if parent is not None and wanted != parent["urn"]:
            return unprocessable(
                "/parentComment :: must be the comment in the request path", "/parentComment"
            )
        if parent is None and wanted is not None:
            return unprocessable(
                "/parentComment :: a reply is created under its parent comment's path",
                "/parentComment",
            )
        if parent is not None and parent["parent"]:
            return unprocessable(
                "/parentComment :: comments are nested one level only", "/parentComment"
            )
        comment = self._add_comment(post, actor, text, parent["urn"] if parent else None)
        with self.lock:
            element = self._element(comment)
        return Reply(201, element, {"x-restli-id": comment["id"]})

    def _social_actions(self, raw: str, scopes: set[str]) -> Reply:
        """``GET /rest/socialActions/{encoded urn}``: the likes and comments summaries."""
        if ":" in raw:
            return linkedin_error(400, "Syntax exception in path variables", "BAD_REQUEST")
        urn = unquote(raw)
        post = next((p for p in self.posts if p["id"] == urn), None)
        if post is None:
            return linkedin_error(404, f"Entity {urn} not found", "NOT_FOUND")
        needed = "r_member_social" if post["author"] == self.member else "r_organization_social"
        if needed not in scopes:
            return linkedin_error(
                403, "Not enough permissions to access: socialActions.GET", "ACCESS_DENIED", 100
            )
        figures = post.get("figures", {"likes": 0, "comments": 0})
        return Reply(
            200,
            {
                "$URN": f"urn:li:socialActions:{urn}",
                "target": urn,
                "likesSummary": {
                    "selectedLikes": [],
                    "aggregatedTotalLikes": figures["likes"],
                    "likedByCurrentUser": False,
                    "totalLikes": figures["likes"],
                },
                "commentsSummary": {
                    "selectedComments": [],
                    "totalFirstLevelComments": figures["comments"],
                    "aggregatedTotalComments": figures["comments"],
                },
            },
        )

    def _share_statistics(self, request: RecordedRequest, scopes: set[str]) -> Reply:
        """``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&...``.

        Lifetime statistics of the organization's posts named in ``shares=List(...)`` or
        ``ugcPosts=List(...)``; a post of another author is refused as LinkedIn does.
        """
        query = request.query
        if query.get("q") != "organizationalEntity":
            return linkedin_error(400, "Invalid finder", "BAD_REQUEST")
        if query.get("organizationalEntity") != self.organization or not (
            REPORTING_SCOPES & scopes
        ):
            return linkedin_error(
                403,
                "Not enough permissions to access: organizationalEntityShareStatistics.FINDER",
                "ACCESS_DENIED",
                100,
            )
        elements = []
        for kind, field, prefix in (
            ("shares", "share", "urn:li:share:"),
            ("ugcPosts", "ugcPost", "urn:li:ugcPost:"),
        ):
            if kind not in query:
                continue
            listed = _RESTLI_LIST.match(query[kind])
            urns = listed.group(1).split(",") if listed else []
            if not urns or not all(urn.startswith(prefix) for urn in urns):
                return linkedin_error(400, f"Syntax exception in parameter {kind}", "BAD_REQUEST")
            for index, urn in enumerate(urns):
                post = next((p for p in self.posts if p["id"] == urn), None)
                if post is None or post["author"] != self.organization:
                    return linkedin_error(
                        403,
                        "Unpermitted fields present in PARAMETER: Data Processing Exception "
                        f"while processing fields [/{kind}[{index}]]",
                        "ACCESS_DENIED",
                        100,
                    )
                figures = post.get("figures", {})
                likes, comments = figures.get("likes", 0), figures.get("comments", 0)
                reposts = figures.get("reposts", 0)
                elements.append(
                    {
                        "organizationalEntity": self.organization,
                        field: urn,
                        "totalShareStatistics": {
                            "uniqueImpressionsCount": 0,
                            "shareCount": reposts,
                            "engagement": 0.0,
                            "clickCount": 0,
                            "likeCount": likes,
                            "impressionCount": 0,
                            "commentCount": comments,
                        },
                    }
                )
        return Reply(200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})
