"""Signed, expiring links to one stored file, for platforms that fetch images by URL.

The token carries the storage key and the moment it stops working, signed with the app's
secret key; nothing else about the workspace can be reached through it.
"""

from __future__ import annotations

import base64
import hmac
import json

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "planner.media.url"
# The serializer's JSON (compact, UTF-8 kept), built once rather than per link.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class ExpiredLink(Exception):
    """The link's signature is good but its time is up."""


class BadLink(Exception):
    """The token was not made by this planner (or was altered)."""


class UrlSigner:
    """Makes and checks ``<base_url>/m/<token>`` links."""

    def __init__(self, secret_key: str, base_url: str, prefix: str = "/m/") -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=SALT)
        # The serializer derives its HMAC key from the secret again for every link it signs;
        # an API answer signs two links per image, so the key is derived once, here.
        self._key = self._serializer.make_signer(SALT).derive_key()
        self.base_url = base_url.rstrip("/")
        self.prefix = prefix

    def token(self, key: str, *, expires_at: int) -> str:
        """The serializer's token for ``{"k": key, "e": expires_at}``, signed with the same
        HMAC-SHA1 and key, so ``key_for`` (the serializer itself) checks it.

        The serializer would zlib-compress a payload that shrinks; it reads an uncompressed
        one all the same, and these few dozen bytes seldom shrink, so none is compressed.
        """
        data = _JSON.encode({"k": key, "e": expires_at})
        payload = base64.urlsafe_b64encode(data.encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.digest(self._key, payload, "sha1")).rstrip(b"=")
        return (payload + b"." + mac).decode("ascii")

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
