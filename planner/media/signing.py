"""Signed, expiring links to one stored file, for platforms that fetch images by URL.

The token carries the storage key and the moment it stops working, signed with the app's
secret key; nothing else about the workspace can be reached through it.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "planner.media.url"


class ExpiredLink(Exception):
    """The link's signature is good but its time is up."""


class BadLink(Exception):
    """The token was not made by this planner (or was altered)."""


class UrlSigner:
    """Makes and checks ``<base_url>/m/<token>`` links."""

    def __init__(self, secret_key: str, base_url: str, prefix: str = "/m/") -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=SALT)
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix

    def token(self, key: str, *, expires_at: int) -> str:
        return self._serializer.dumps({"k": key, "e": expires_at})

    def url(self, key: str, *, expires_at: int) -> str:
        return f"{self.base_url}{self.prefix}{self.token(key, expires_at=expires_at)}"

    def key_for(self, token: str, *, now: float) -> str:
        """The storage key *token* names, if it is genuine and not expired."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            raise BadLink("This link is not valid.") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
            raise BadLink("This link is not valid.")
        if not isinstance(payload.get("e"), int) or payload["e"] <= now:
            raise ExpiredLink("This link has expired.")
        return payload["k"]
