"""Mastodon's OAuth side, for the fake server: app registration, the sign-in page, tokens.

Written from Mastodon's API documentation (``POST /api/v1/apps``, ``GET /oauth/authorize``,
``POST /oauth/token``) and Doorkeeper's error shapes: ``invalid_client`` (401) and
``invalid_grant`` (400) as JSON, ``access_denied`` sent back to the redirect URI. Codes are
single use, expire after 10 minutes, and must be redeemed with the same redirect URI and the
PKCE verifier whose S256 challenge came with the authorization.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from tests.fakes.server import RecordedRequest, Reply

if TYPE_CHECKING:
    from tests.fakes.mastodon import FakeMastodon

OAUTH_PATHS = frozenset({"/api/v1/apps", "/oauth/authorize", "/oauth/token"})
CODE_SECONDS = 600
HTML = {"Content-Type": "text/html; charset=utf-8"}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed due to unknown client, no client "
    "authentication included, or unsupported authentication method.",
}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "The provided authorization grant is invalid, expired, revoked, does "
    "not match the redirection URI used in the authorization request, or was issued to "
    "another client.",
}


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier, computed here independently of planner's code."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class MastodonOAuth:
    """The OAuth endpoints of one fake server; ``email``/``password`` sign the owner in."""

    def __init__(self, server: FakeMastodon) -> None:
        self.server = server
        self.email = "owner@shop.test"
        self.password = "bread-and-butter"
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self._ids = itertools.count(1)

    def respond(self, request: RecordedRequest) -> Reply:
        route = (request.method, request.path)
        if route == ("POST", "/api/v1/apps"):
            return self._register(_fields(request))
        if route == ("GET", "/oauth/authorize"):
            return self._sign_in_page(request.query)
        if route == ("POST", "/oauth/authorize"):
            return self._decide(_fields(request))
        if route == ("POST", "/oauth/token"):
            return self._token(_fields(request))
        return Reply(404, {"error": "Record not found"})

    def _register(self, fields: dict[str, Any]) -> Reply:
        name = fields.get("client_name")
        uris = fields.get("redirect_uris")
        if not name:
            return Reply(422, {"error": "Validation failed: Application name can't be blank"})
        if isinstance(uris, str):
            uris = [u for u in uris.split() if u]
        if not uris:
            return Reply(422, {"error": "Validation failed: Redirect URI can't be blank"})
        scopes = str(fields.get("scopes") or "read").split()
        client_id = secrets.token_urlsafe(24)
        app = {
            "id": str(next(self._ids)),
            "name": name,
            "website": fields.get("website"),
            "scopes": scopes,
            "redirect_uri": "\n".join(uris),
            "redirect_uris": uris,
            "client_id": client_id,
            "client_secret": secrets.token_urlsafe(32),
            "client_secret_expires_at": 0,
            "vapid_key": "fake-vapid-key",
        }
        with self.server.lock:
            self.apps[client_id] = app
        return Reply(200, app)

    def _check_request(self, params: dict[str, str]) -> tuple[dict[str, Any] | None, Reply | None]:
        """The app the authorization names, or the page Doorkeeper shows when it cannot."""
        app = self.apps.get(params.get("client_id", ""))
        if app is None:
            return None, Reply(401, _page("Client authentication failed: unknown client."), HTML)
        if params.get("redirect_uri") not in app["redirect_uris"]:
            return None, Reply(400, _page("The redirect uri included is not valid."), HTML)
        return app, None

    def _sign_in_page(self, params: dict[str, str]) -> Reply:
        app, problem = self._check_request(params)
        if problem is not None:
            return problem
        assert app is not None
        if params.get("response_type") != "code":
            return _back(params, error="unsupported_response_type")
        if not set(params.get("scope", "read").split()) <= set(app["scopes"]):
            return _back(params, error="invalid_scope")
        if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
            return _back(params, error="invalid_request")
        return Reply(200, _form(app["name"], params), HTML)

    def _decide(self, fields: dict[str, Any]) -> Reply:
        params = {k: str(v) for k, v in fields.items()}
        app, problem = self._check_request(params)
        if problem is not None:
            return problem
        assert app is not None
        if params.get("decision") == "deny":
            return _back(
                params,
                error="access_denied",
                error_description="The resource owner or authorization server denied the request.",
            )
        if params.get("email") != self.email or params.get("password") != self.password:
            return Reply(200, _form(app["name"], params, "Invalid Email or password."), HTML)
        code = secrets.token_urlsafe(24)
        with self.server.lock:
            self.codes[code] = {
                "client_id": app["client_id"],
                "redirect_uri": params["redirect_uri"],
                "challenge": params.get("code_challenge") or None,
                "scope": params.get("scope", "read"),
                "issued": time.monotonic(),
                "used": False,
            }
        return _back(params, code=code)

    def _token(self, fields: dict[str, Any]) -> Reply:
        app = self.apps.get(str(fields.get("client_id") or ""))
        if app is None or fields.get("client_secret") != app["client_secret"]:
            return Reply(401, INVALID_CLIENT)
        if fields.get("grant_type") != "authorization_code":
            return Reply(400, {"error": "unsupported_grant_type"})
        with self.server.lock:
            grant = self.codes.get(str(fields.get("code") or ""))
            if (
                grant is None
                or grant["used"]
                or grant["client_id"] != app["client_id"]
                or grant["redirect_uri"] != fields.get("redirect_uri")
                or time.monotonic() - grant["issued"] > CODE_SECONDS
            ):
                return Reply(400, INVALID_GRANT)
            verifier = str(fields.get("code_verifier") or "")
            if grant["challenge"] and (not verifier or s256(verifier) != grant["challenge"]):
                return Reply(400, INVALID_GRANT)
            grant["used"] = True
            token = secrets.token_urlsafe(32)
            self.tokens.add(token)
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "scope": grant["scope"],
                "created_at": int(time.time()),
            },
        )


def _fields(request: RecordedRequest) -> dict[str, Any]:
    """A JSON or form-encoded body, as Mastodon accepts either."""
    if request.headers.get("content-type", "").startswith("application/json"):
        data = json.loads(request.body or b"{}")
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))


def _back(params: dict[str, str], **answer: str) -> Reply:
    """Send the browser back to the app's redirect URI with *answer* and the state."""
    query = dict(answer)
    if params.get("state"):
        query["state"] = params["state"]
    separator = "&" if "?" in params["redirect_uri"] else "?"
    return Reply(302, "", {"Location": params["redirect_uri"] + separator + urlencode(query)})


def _page(message: str) -> str:
    return f"<!doctype html><title>Error</title><p class='error'>{html.escape(message)}</p>"


def _form(app_name: str, params: dict[str, str], error: str = "") -> str:
    """The sign-in and authorization page in one: email, password, Authorize or Deny."""
    keep = ("response_type", "client_id", "redirect_uri", "scope", "state")
    keep += ("code_challenge", "code_challenge_method")
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(params[k], quote=True)}">'
        for k in keep
        if params.get(k)
    )
    problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return (
        "<!doctype html><html><head><title>Authorize</title></head><body>"
        f"<h1>Authorization required</h1><p>{html.escape(app_name)} would like permission to "
        f"access your account ({html.escape(params.get('scope', 'read'))}).</p>{problem}"
        '<form method="post" action="/oauth/authorize">'
        f"{hidden}"
        '<label>E-mail address <input type="email" name="email"></label>'
        '<label>Password <input type="password" name="password"></label>'
        '<button type="submit" name="decision" value="authorize">Authorize</button>'
        '<button type="submit" name="decision" value="deny">Deny</button>'
        "</form></body></html>"
    )
