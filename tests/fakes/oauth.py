"""The OAuth side of the platform fakes: a consent page, single-use codes, tokens that expire.

Each platform fake owns an ``OAuthDesk`` and speaks its own token endpoint's shapes with it;
``consent()`` is what a test does in place of a person clicking "Allow" or "Deny".
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from planner.connectors import hosts
from tests.fakes.server import RecordedRequest, Reply

CODE_SECONDS = 600


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    issued: float
    used: bool = False


@dataclass
class Token:
    value: str
    expires: float | None  # wall-clock seconds; None never expires
    scope: str
    revoked: bool = False
    extra: dict[str, str] = field(default_factory=dict)


class OAuthDesk:
    """Codes, access tokens and refresh tokens of one fake platform."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        access_seconds: float | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_seconds = access_seconds
        self.clock = clock
        self.lock = threading.RLock()
        self.codes: dict[str, Code] = {}
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.refreshes = 0  # how many times a refresh grant was honoured

    # The consent page -------------------------------------------------------------------

    def page(self, request: RecordedRequest, *, title: str) -> Reply:
        """Show the consent page (GET) or act on the person's choice (POST)."""
        fields = (
            request.query if request.method == "GET" else dict(parse_qsl(request.body.decode()))
        )
        if fields.get("client_id") != self.client_id:
            return Reply(400, "<h1>Invalid client_id</h1>", {"Content-Type": "text/html"})
        redirect_uri = fields.get("redirect_uri") or ""
        if not redirect_uri.startswith(("http://", "https://")):
            return Reply(400, "<h1>Invalid redirect_uri</h1>", {"Content-Type": "text/html"})
        if request.method == "GET":
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in fields.items()
            )
            body = (
                f"<!doctype html><title>{html.escape(title)}</title>"
                f"<h1>{html.escape(title)}</h1><p>planner wants: {html.escape(fields.get('scope', ''))}</p>"
                f'<form method="post">{hidden}'
                '<button name="decision" value="allow">Allow</button>'
                '<button name="decision" value="deny">Deny</button></form>'
            )
            return Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})
        state = fields.get("state", "")
        if fields.get("decision") != "allow":
            query = {"error": "access_denied", "error_description": "The user denied access"}
        else:
            query = {"code": self.issue_code(fields)}
        query["state"] = state
        separator = "&" if "?" in redirect_uri else "?"
        return Reply(302, b"", {"Location": f"{redirect_uri}{separator}{urlencode(query)}"})

    def issue_code(self, fields: Mapping[str, str]) -> str:
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = Code(
                client_id=fields["client_id"],
                redirect_uri=fields["redirect_uri"],
                scope=fields.get("scope", ""),
                challenge=fields.get("code_challenge"),
                issued=self.clock(),
            )
        return code

    # The token endpoint ------------------------------------------------------------------

    def redeem(self, fields: Mapping[str, str], *, pkce: bool = False) -> tuple[str, Code | None]:
        """Check an authorization_code grant: returns ("", code) or (an OAuth error, None)."""
        if (fields.get("client_id"), fields.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return "invalid_client", None
        with self.lock:
            code = self.codes.get(fields.get("code") or "")
            if code is None or code.used or self.clock() - code.issued > CODE_SECONDS:
                return "invalid_grant", None
            if code.redirect_uri != fields.get("redirect_uri"):
                return "invalid_grant", None
            if pkce:
                verifier = fields.get("code_verifier") or ""
                digest = hashlib.sha256(verifier.encode()).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if not code.challenge or expected != code.challenge:
                    return "invalid_grant", None
            code.used = True
        return "", code

    def new_access(self, scope: str, seconds: float | None = -1.0, **extra: str) -> Token:
        lifetime = self.access_seconds if seconds == -1.0 else seconds
        token = Token(
            value=secrets.token_urlsafe(24),
            expires=None if lifetime is None else self.clock() + lifetime,
            scope=scope,
            extra=dict(extra),
        )
        with self.lock:
            self.access[token.value] = token
        return token

    def new_refresh(self, scope: str, seconds: float | None = None, **extra: str) -> Token:
        token = Token(
            value="r-" + secrets.token_urlsafe(24),
            expires=None if seconds is None else self.clock() + seconds,
            scope=scope,
            extra=dict(extra),
        )
        with self.lock:
            self.refresh[token.value] = token
        return token

    def valid(self, value: str | None, table: str = "access") -> Token | None:
        """Return the live token called *value*, or None when unknown, revoked or expired."""
        with self.lock:
            token = getattr(self, table).get(value or "")
            if token is None or token.revoked:
                return None
            if token.expires is not None and token.expires <= self.clock():
                return None
            return token

    def expires_in(self, token: Token) -> int | None:
        return None if token.expires is None else int(token.expires - self.clock())

    # What tests do ------------------------------------------------------------------------

    def grant(
        self, scope: str = "", *, refresh: bool = False, **extra: str
    ) -> tuple[str, str | None]:
        """Issue tokens without the browser dance, for connector tests: (access, refresh)."""
        access = self.new_access(scope, **extra)
        return access.value, (self.new_refresh(scope, **extra).value if refresh else None)

    def revoke_all(self) -> None:
        """The person removed the app's access: every token stops working."""
        with self.lock:
            for token in [*self.access.values(), *self.refresh.values()]:
                token.revoked = True

    def expire(self, value: str) -> None:
        """Make one access token expired now."""
        with self.lock:
            self.access[value].expires = self.clock() - 1


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def consent(
    authorize_url: str, overrides: Mapping[str, str], *, decision: str = "allow"
) -> dict[str, str]:
    """Open the fake's consent page, press Allow (or Deny), return the redirect's query.

    The URL is the provider's real one; *overrides* sends it to the fake, as the web layer does.
    """
    page = _fetch("GET", hosts.rewrite(authorize_url, overrides))
    assert page.status == 200, page.read()
    fields = {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page.read().decode())}
    fields["decision"] = decision
    reply = _fetch("POST", hosts.rewrite(authorize_url.split("?")[0], overrides), urlencode(fields))
    assert reply.status == 302, reply.read()
    location = reply.getheader("Location") or ""
    return dict(parse_qsl(urlsplit(location).query))


def _fetch(method: str, url: str, body: str | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    return connection.getresponse()


def form_of(request: RecordedRequest) -> dict[str, str]:
    """Return a form-encoded body's fields, plus the query's (Graph takes both)."""
    fields = dict(request.query)
    content_type = request.headers.get("content-type", "")
    if request.body and "application/x-www-form-urlencoded" in content_type:
        fields.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return fields
