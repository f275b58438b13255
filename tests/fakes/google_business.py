"""A fake Google Business Profile: Google sign-in with PKCE, hourly tokens, locations, local posts.

Written from Google's documentation: the authorization server (``accounts.google.com`` and
``oauth2.googleapis.com/token`` with ``invalid_grant`` for a revoked refresh token), the Account
Management and Business Information APIs, and ``v4 .../localPosts``. Errors have Google's shape
``{"error": {"code", "message", "status", "details"}}``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.oauth import OAuthDesk
from tests.fakes.server import FakeServer, RecordedRequest, Reply

ACCESS_SECONDS = 3599
MAX_SUMMARY = 1500
SCOPE = "https://www.googleapis.com/auth/business.manage"
HOSTS = (
    "accounts.google.com",
    "oauth2.googleapis.com",
    "mybusinessaccountmanagement.googleapis.com",
    "mybusinessbusinessinformation.googleapis.com",
    "mybusiness.googleapis.com",
)
ACTIONS = ("BOOK", "ORDER", "SHOP", "LEARN_MORE", "SIGN_UP", "CALL")
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
}


def google_error(code: int, message: str, details: list[Any] | None = None) -> Reply:
    return Reply(
        code,
        {
            "error": {
                "code": code,
                "message": message,
                "status": STATUS.get(code, "UNKNOWN"),
                "details": details or [],
            }
        },
    )


UNAUTHENTICATED = google_error(
    401,
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential.",
)


class FakeGoogleBusiness(FakeServer):
    """One account with two locations; ``revoke_all()`` is the owner removing access."""

    def __init__(
        self,
        *,
        client_id: str = "google-app.apps.googleusercontent.com",
        client_secret: str = "google-secret",
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
        self.account = "accounts/108712345678901234567"
        self.locations = {
            "locations/4321": {
                "title": "Baker & Sons, High Street",
                "storefrontAddress": {
                    "addressLines": ["1 High Street"],
                    "locality": "Leeds",
                    "postalCode": "LS1 1AA",
                },
            },
            "locations/8765": {
                "title": "Baker & Sons, Market Hall",
                "storefrontAddress": {"addressLines": ["Market Hall"], "locality": "York"},
            },
        }
        self.forbidden_locations: set[str] = set()  # access to these was taken away
        self.posts: list[dict[str, Any]] = []  # newest last
        self._ids = itertools.count(1234567890123456789)

    @property
    def overrides(self) -> dict[str, str]:
        """Host overrides that send every Google host planner uses to this fake."""
        return dict.fromkeys(HOSTS, self.url)

    def tokens(self) -> tuple[str, str]:
        """Issue an access token and a refresh token, as a finished sign-in gives."""
        access, refresh = self.desk.grant(SCOPE, refresh=True)
        assert refresh is not None
        return access, refresh

    def lose_reply_after_posting(self) -> None:
        """Create the next local post but reset the connection instead of answering."""
        self.reset_next(path="/localPosts")

    def respond(self, request: RecordedRequest) -> Reply:
        path, method = request.path, request.method
        if path == "/o/oauth2/v2/auth":
            return self._authorize(request)
        if path == "/token" and method == "POST":
            return self._token(dict(parse_qsl(request.body.decode())))
        token = self.desk.valid(request.bearer)
        if token is None:
            return UNAUTHENTICATED
        if SCOPE not in token.scope.split():
            return google_error(403, "Request had insufficient authentication scopes.")
        if path == "/v1/accounts" and method == "GET":
            return Reply(
                200,
                {
                    "accounts": [
                        {
                            "name": self.account,
                            "accountName": "Ada Baker",
                            "type": "PERSONAL",
                            "verificationState": "VERIFIED",
                        }
                    ]
                },
            )
        if path == f"/v1/{self.account}/locations" and method == "GET":
            return self._list_locations(request.query)
        prefix = f"/v4/{self.account}/"
        if path.startswith(prefix) and path.endswith("/localPosts"):
            location = path[len(prefix) : -len("/localPosts")]
            if location not in self.locations:
                return google_error(404, "Requested entity was not found.")
            if location in self.forbidden_locations:
                return google_error(403, "The caller does not have permission")
            if method == "POST":
                return self._create(location, request.json)
            if method == "GET":
                return self._list_posts(location, request.query)
        return google_error(404, f"The requested URL {path} was not found on this server.")

    def _authorize(self, request: RecordedRequest) -> Reply:
        fields = (
            request.query if request.method == "GET" else dict(parse_qsl(request.body.decode()))
        )
        if request.method == "GET":
            if fields.get("code_challenge_method") not in (None, "S256"):
                return Reply(
                    400, "<h1>Error 400: invalid_request</h1>", {"Content-Type": "text/html"}
                )
            if fields.get("response_type") != "code":
                return Reply(
                    400,
                    "<h1>Error 400: unsupported_response_type</h1>",
                    {"Content-Type": "text/html"},
                )
        return self.desk.page(
            request, title="Sign in with Google: planner wants to access your Google Account"
        )

    def _token(self, fields: dict[str, str]) -> Reply:
        if (fields.get("client_id"), fields.get("client_secret")) != (
            self.desk.client_id,
            self.desk.client_secret,
        ):
            return Reply(
                401,
                {"error": "invalid_client", "error_description": "The OAuth client was not found."},
            )
        grant_type = fields.get("grant_type")
        if grant_type == "authorization_code":
            error, code = self.desk.redeem(fields, pkce=True)
            if code is None:
                return Reply(400, {"error": error, "error_description": "Bad Request"})
            access = self.desk.new_access(code.scope)
            refresh = self.desk.new_refresh(code.scope)
            return Reply(
                200,
                {
                    "access_token": access.value,
                    "expires_in": ACCESS_SECONDS,
                    "refresh_token": refresh.value,
                    "scope": code.scope,
                    "token_type": "Bearer",
                },
            )
        if grant_type == "refresh_token":
            old = self.desk.valid(fields.get("refresh_token"), "refresh")
            if old is None:
                return Reply(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                )
            with self.desk.lock:
                self.desk.refreshes += 1
            access = self.desk.new_access(old.scope)
            return Reply(
                200,
                {
                    "access_token": access.value,
                    "expires_in": ACCESS_SECONDS,
                    "scope": old.scope,
                    "token_type": "Bearer",
                },
            )
        return Reply(
            400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        )

    def _list_locations(self, query: dict[str, str]) -> Reply:
        if not query.get("readMask"):
            return google_error(
                400,
                "Request contains an invalid argument.",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [
                            {"field": "read_mask", "description": "Field is required"}
                        ],
                    }
                ],
            )
        fields = set(query["readMask"].split(","))
        shown = []
        for name, location in self.locations.items():
            full = {"name": name, **location}
            shown.append({k: v for k, v in full.items() if k in fields})
        return Reply(200, {"locations": shown})

    def _create(self, location: str, body: Any) -> Reply:
        if not isinstance(body, dict):
            return google_error(400, "Invalid JSON payload received.")
        summary = body.get("summary") or ""
        problems = []
        if len(summary) > MAX_SUMMARY:
            problems.append(("summary", f"Summary must be at most {MAX_SUMMARY} characters"))
        topic = body.get("topicType")
        if topic not in ("STANDARD", "EVENT", "OFFER", "ALERT"):
            problems.append(("topic_type", "Unknown topic type"))
        if not body.get("languageCode"):
            problems.append(("language_code", "Field is required"))
        action = body.get("callToAction")
        if action is not None:
            if action.get("actionType") not in ACTIONS:
                problems.append(("call_to_action.action_type", "Unknown action type"))
            elif action["actionType"] == "CALL" and action.get("url"):
                problems.append(("call_to_action.url", "CALL takes no url"))
            elif action["actionType"] != "CALL" and not action.get("url"):
                problems.append(("call_to_action.url", "Field is required"))
        if topic in ("OFFER", "EVENT"):
            event = body.get("event") or {}
            schedule = event.get("schedule") or {}
            if (
                not event.get("title")
                or not schedule.get("startDate")
                or not schedule.get("endDate")
            ):
                problems.append(("event", "An offer needs event.title and event.schedule"))
            elif len(event["title"]) > 58:
                problems.append(("event.title", "Title must be at most 58 characters"))
        for item in body.get("media") or []:
            if item.get("mediaFormat") != "PHOTO" or not str(item.get("sourceUrl", "")).startswith(
                "http"
            ):
                problems.append(("media.source_url", "A photo needs a sourceUrl"))
        if problems:
            return google_error(
                400,
                "Request contains an invalid argument.",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": f, "description": d} for f, d in problems],
                    }
                ],
            )
        with self.lock:
            post_id = str(next(self._ids))
            now = datetime.fromtimestamp(self.clock(), UTC).isoformat().replace("+00:00", "Z")
            post = {
                **body,
                "name": f"{self.account}/{location}/localPosts/{post_id}",
                "createTime": now,
                "updateTime": now,
                "state": "LIVE",
                "searchUrl": f"https://local.google.com/place?id={post_id}&use=posts&lpsid={post_id}",
                "location": location,
            }
            self.posts.append(post)
        return Reply(200, {k: v for k, v in post.items() if k != "location"})

    def _list_posts(self, location: str, query: dict[str, str]) -> Reply:
        size = int(query.get("pageSize") or 20)
        with self.lock:
            mine = [p for p in reversed(self.posts) if p["location"] == location][:size]
        return Reply(
            200, {"localPosts": [{k: v for k, v in p.items() if k != "location"} for p in mine]}
        )
