"""Connect a Mastodon account: an app registered on the owner's server, then OAuth with PKCE.

Every Mastodon server is its own authorization server, so there is no deployment-wide
developer app: planner registers one per server (``POST /api/v1/apps``) the first time
someone connects an account there, and the service keeps it for the next time.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from planner.connectors.base import ConnectorOptions, OAuthApp, PermanentError
from planner.connectors.http import HttpClient
from planner.oauth.base import Grant, Pick, Provider

SCOPES = ("read", "write:statuses", "write:media")
CLIENT_NAME = "planner"
# A host name (labels of letters, digits and hyphens) with an optional port.
_DOMAIN = re.compile(
    r"^(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    r"(:[0-9]{1,5})?$"
)


def clean_server(raw: str) -> str:
    """Return the server's domain (``mastodon.social``, maybe with a port) or raise ValueError.

    A pasted ``https://mastodon.social/`` or ``@shop@mastodon.social`` is read as its domain;
    anything with a path, query or credentials is refused, so only a domain reaches the
    network (whose addresses the HTTP client then checks are public).
    """
    value = (raw or "").strip().lower()
    if value.startswith("https://"):
        value = value.removeprefix("https://").rstrip("/")
    elif value.startswith("@") and value.count("@") == 2:
        value = value.rsplit("@", 1)[1]
    try:
        value = value.encode("idna").decode("ascii") if value else value
    except UnicodeError:
        raise ValueError("Enter your server's domain, like mastodon.social") from None
    if not value or not _DOMAIN.match(value) or "." not in value.split(":")[0]:
        raise ValueError("Enter only your server's domain, like mastodon.social")
    port = value.partition(":")[2]
    if port and not 0 < int(port) < 65536:
        raise ValueError("The port after the domain is not valid")
    return value


def server_url(server: str) -> str:
    """The server's https origin (host overrides send it elsewhere in tests)."""
    return f"https://{server}"


def register_app(
    *, server: str, redirect_uri: str, website: str, options: ConnectorOptions
) -> OAuthApp:
    """Register planner as an app on *server* and return its client id and secret."""
    reply = (
        HttpClient(options)
        .request(
            "POST",
            f"{server_url(server)}/api/v1/apps",
            json={
                "client_name": CLIENT_NAME,
                "redirect_uris": redirect_uri,
                "scopes": " ".join(SCOPES),
                "website": website,
            },
        )
        .json_object()
    )
    client_id, secret = reply.get("client_id"), reply.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id:
        raise PermanentError(f"{server} registered the app but sent no client id and secret")
    return OAuthApp(client_id=client_id, client_secret=secret)


class MastodonProvider(Provider):
    """Mastodon's authorization-code flow (PKCE S256, supported since Mastodon 4.3)."""

    platform = "mastodon"
    label = "Mastodon"
    family = "mastodon"
    scopes = SCOPES
    uses_pkce = True

    def __init__(self, app: OAuthApp, options: ConnectorOptions, *, server: str) -> None:
        super().__init__(app, options)
        self.server = server

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        params = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
        }
        if code_challenge:
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        return f"{server_url(self.server)}/oauth/authorize?{urlencode(params)}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes),
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        reply = (
            HttpClient(self.options)
            .request(
                "POST",
                f"{server_url(self.server)}/oauth/token",
                data=urlencode(form).encode("ascii"),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            .json_object()
        )
        token = reply.get("access_token")
        if not isinstance(token, str) or not token:
            raise PermanentError(f"{self.server} sent no access token")
        # Mastodon's tokens do not expire; they live until revoked.
        return Grant(access_token=token, scope=str(reply.get("scope") or ""))

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """The one account the token belongs to, as ``@user@domain``."""
        account = (
            HttpClient(self.options)
            .request(
                "GET",
                f"{server_url(self.server)}/api/v1/accounts/verify_credentials",
                headers={"Authorization": f"Bearer {grant.access_token}"},
            )
            .json_object()
        )
        username = str(account.get("acct") or account.get("username") or "").split("@")[0]
        if not username:
            raise PermanentError(f"{self.server} did not say whose token this is")
        host = urlsplit(server_url(self.server)).hostname
        address = f"@{username}@{host}"
        return [
            Pick(
                key=str(account.get("id") or username),
                platform="mastodon",
                name=address,
                config={"instance_url": server_url(self.server), "account": address},
                secrets={"access_token": grant.access_token},
                detail=str(account.get("display_name") or ""),
            )
        ]
