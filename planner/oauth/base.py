"""What an OAuth provider offers the web flow, and the values they exchange.

The web layer owns the browser's side (``state`` bound to the session, the PKCE verifier kept
there, the pick page); a provider only knows its platform: where to send the owner, how to
turn a code into tokens, and which accounts those tokens can publish as. Providers make their
HTTP calls through ``planner.connectors.http.HttpClient`` with the deployment's
``ConnectorOptions``, so host overrides and the SSRF guard apply to them as to connectors.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from planner.connectors import tokens
from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.errors import ConnectorError
from planner.connectors.http import HttpClient
from planner.connectors.replies import Response


@dataclass(frozen=True)
class Grant:
    """The tokens a finished authorization gave (the user's, before any pick)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scope: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pick:
    """One account the owner may connect as a channel (a Page, a location, an organization).

    ``config`` is the channel's plain settings (ids, names); ``secrets`` its credentials, stored
    encrypted; ``expires_at`` when those credentials die without a refresh (None: they don't).
    """

    key: str
    platform: str
    name: str
    config: Mapping[str, Any]
    secrets: Mapping[str, Any] = field(repr=False)
    expires_at: datetime | None = None
    detail: str = ""


class Provider(ABC):
    """Runs one platform's authorization-code flow; subclasses fill in its endpoints."""

    platform: ClassVar[str]  # the URL segment: /channels/oauth/<platform>/callback
    label: ClassVar[str]
    family: ClassVar[str]  # which developer app signs it in (see connectors.bundle)
    scopes: ClassVar[tuple[str, ...]] = ()
    uses_pkce: ClassVar[bool] = False

    def __init__(self, app: OAuthApp, options: ConnectorOptions) -> None:
        self.app = app
        self.options = options

    @abstractmethod
    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str | None) -> str:
        """Return the platform's own address to send the owner to (before host overrides)."""

    @abstractmethod
    def exchange(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, now: datetime
    ) -> Grant:
        """Turn the callback's code into tokens, raising a connector error on refusal."""

    @abstractmethod
    def picks(self, grant: Grant, *, now: datetime) -> list[Pick]:
        """Return every account these tokens can publish as, each ready to become a channel."""

    def redeem_code(
        self,
        url: str,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
        error: Callable[[Response], ConnectorError],
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST the authorization-code grant (RFC 6749 4.1.3) to *url*; return the token reply.

        *error* turns a refusal into the platform's typed error.
        """
        body, headers = tokens.form(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                **({"code_verifier": code_verifier} if code_verifier else {}),
                **(extra or {}),
            }
        )
        response = HttpClient(self.options).request(
            "POST", url, data=body, headers=headers, check=False
        )
        if not response.ok:
            raise error(response)
        return response.json_object()


def new_state() -> str:
    """Return an unguessable value binding a callback to the session that started it."""
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """Return a PKCE code verifier (RFC 7636: 43-128 characters of the unreserved set)."""
    return secrets.token_urlsafe(64)[:96]


def challenge_for(verifier: str) -> str:
    """Return the S256 code challenge of *verifier*."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
