"""A tiny OAuth platform for testing the generic flow: its fake server, provider and connector.

"Testnet" has an authorization server (``auth.testnet.example``, sent to the fake by host
overrides) that grants a code for whatever the test approves, a token endpoint that checks the
client, the redirect URI and the PKCE verifier, and an API listing the pages a token can post
to. Nothing here is registered in planner's own registries: tests hand it over in a
``Connectors`` bundle of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from planner.connectors.base import (
    AuthError,
    ConfigError,
    Connector,
    PermanentError,
    PublishRequest,
    PublishResult,
    TransientError,
    require_text,
)
from planner.connectors.http import HttpClient
from planner.oauth.base import Grant, Pick, Provider
from tests.fakes.mastodon_oauth import INVALID_CLIENT, INVALID_GRANT, s256
from tests.fakes.server import FakeServer, RecordedRequest, Reply

CLIENT_ID = "testnet-client"
CLIENT_SECRET = "testnet-secret"
HOSTS = ("auth.testnet.example", "api.testnet.example")
TOKEN_SECONDS = 3600


class FakeTestnet(FakeServer):
    """Codes granted by ``approve``; tokens for them; two pages per token unless told."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: set[str] = set()
        self.pages = [{"id": "p1", "name": "Bakery"}, {"id": "p2", "name": "Bakery Cafe"}]

    def approve(self, authorize_query: Mapping[str, str]) -> str:
        """Grant a code for an authorization request, as the owner pressing Allow would."""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "redirect_uri": authorize_query["redirect_uri"],
                "challenge": authorize_query.get("code_challenge"),
                "used": False,
            }
        return code

    def respond(self, request: RecordedRequest) -> Reply:
        if (request.method, request.path) == ("POST", "/token"):
            return self._token(dict(parse_qsl(request.body.decode())))
        if (request.method, request.path) == ("GET", "/pages"):
            if request.bearer not in self.tokens:
                return Reply(401, {"error": "invalid_token"})
            return Reply(200, {"pages": self.pages})
        return Reply(404, {"error": "not_found"})

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(401, INVALID_CLIENT)
        with self.lock:
            grant = self.codes.get(form.get("code", ""))
            verifier = form.get("code_verifier", "")
            if (
                grant is None
                or grant["used"]
                or grant["redirect_uri"] != form.get("redirect_uri")
                or (grant["challenge"] and s256(verifier) != grant["challenge"])
            ):
                return Reply(400, INVALID_GRANT)
            grant["used"] = True
            token = secrets.token_urlsafe(16)
            self.tokens.add(token)
        return Reply(200, {"access_token": token, "expires_in": TOKEN_SECONDS})


class TestnetProvider(Provider):
    """The provider a real platform module would be, for Testnet."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    platform = "testnet"
    label = "Testnet"
    family = "testnet"
    scopes = ("pages.post",)
    uses_pkce = True

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        params = {
            "client_id": self.app.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": " ".join(self.scopes),
            "code_challenge": code_challenge or "",
            "code_challenge_method": "S256",
        }
        return f"https://auth.testnet.example/authorize?{urlencode(params)}"

    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "code_verifier": code_verifier or "",
        }
        reply = (
            HttpClient(self.options)
            .request(
                "POST",
                "https://auth.testnet.example/token",
                data=urlencode(form).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            .json_object()
        )
        expires = now + timedelta(seconds=int(reply["expires_in"]))
        return Grant(access_token=reply["access_token"], expires_at=expires)

    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        pages = (
            HttpClient(self.options)
            .request(
                "GET",
                "https://api.testnet.example/pages",
                headers={"Authorization": f"Bearer {grant.access_token}"},
            )
            .json_object()["pages"]
        )
        return [
            Pick(
                key=page["id"],
                platform="testnet",
                name=page["name"],
                config={"page_id": page["id"]},
                secrets={"access_token": grant.access_token},
                expires_at=grant.expires_at,
            )
            for page in pages
        ]


class TestnetConnector(Connector):
    """Connected only with OAuth; its token may be renewed by a test-controlled rule."""

    __test__ = False

    platform = "testnet"
    label = "Testnet"
    oauth_only = True
    secret_fields = ("access_token", "expires_at")
    config_fields = ("page_id",)
    # What refresh_credentials does: "renew" (30 more days), "cannot" (False), "refuse"
    # (AuthError), "fail" (TransientError: the platform could not be reached).
    renewal = "renew"

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page_id = require_text(config, "page_id", "A page is needed", errors)
        token = require_text(config, "access_token", "A token is needed", errors)
        if errors:
            raise ConfigError(errors)
        cleaned = {"page_id": page_id, "access_token": token}
        if isinstance(config.get("expires_at"), str):
            cleaned["expires_at"] = config["expires_at"]
        return cleaned

    def credentials_expire_at(self) -> datetime | None:
        raw = self.state.get("expires_at") or self.config.get("expires_at")
        return datetime.fromisoformat(raw) if raw else None

    def refresh_credentials(self, *, now: datetime) -> bool:
        if self.renewal == "refuse":
            raise AuthError("The token was revoked")
        if self.renewal == "cannot":
            return False
        if self.renewal == "fail":
            raise TransientError("Testnet is down")
        self._set_state(access_token="renewed", expires_at=(now + timedelta(days=30)).isoformat())
        return True

    def check(self) -> str:
        return f"page {self.config['page_id']}"

    def publish(self, request: PublishRequest) -> PublishResult:
        raise PermanentError("Testnet does not publish")


def install(
    app: Any,
    fake: FakeTestnet | None = None,
    *,
    configured: bool = True,
    connector: type[Connector] | None = None,
) -> Any:
    """Give *app* a connectors bundle that knows Testnet and sends its hosts to *fake*.

    The bundle is the app's own (its secret box and options), with Testnet added to the
    registries it is built with; *configured* says whether the deployment has Testnet's app;
    *connector* replaces ``TestnetConnector`` (a subclass that renews differently).
    """
    import dataclasses

    from planner.connectors.base import OAuthApp
    from planner.connectors.bundle import Connectors
    from planner.connectors_app import EXTENSION, get_connectors

    base = get_connectors(app)
    apps = {"testnet": OAuthApp(CLIENT_ID, CLIENT_SECRET)} if configured else {}
    bundle = Connectors(
        box=base.box,
        options=dataclasses.replace(
            base.options,
            host_overrides={
                **base.options.host_overrides,
                **({h: fake.url for h in HOSTS} if fake else {}),
            },
            oauth_apps={**base.options.oauth_apps, **apps},
        ),
        registry={**base.registry, "testnet": connector or TestnetConnector},
        providers={**base.providers, "testnet": TestnetProvider},
    )
    app.extensions[EXTENSION] = bundle
    return bundle
