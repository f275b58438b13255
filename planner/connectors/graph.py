"""Meta's Graph API as Facebook Pages and Instagram speak it: one version, its error codes.

The version is chosen here only. v21.0 (October 2024) is available until 21 January 2027;
v25.0 (February 2026) until July 2028, so it is the one used.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from planner.connectors.base import count_of
from planner.connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    TransientError,
)
from planner.connectors.http import HttpClient
from planner.connectors.replies import ERROR_TEXT_LIMIT, Response, retry_after_seconds

GRAPH_VERSION = "v25.0"
GRAPH_URL = f"https://graph.facebook.com/{GRAPH_VERSION}"
DIALOG_URL = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
# 190: the token expired or was invalidated (password change, app removed); 102: session key
# invalid; 10 and 200-299: a permission the token no longer carries.
TOKEN_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
# Application, user, page and custom rate limits; 80001-80014 are business use case limits.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TEMPORARY_CODES = frozenset({1, 2})  # "unknown error" and "service temporarily unavailable"
MAX_PAGES = 20  # a cap on following ``paging.next``: a Page owner does not run 500 Pages


def graph_error(response: Response) -> ConnectorError:
    """Map a Graph error reply (``{"error": {"message", "type", "code", ...}}``) to a typed error.

    Graph answers most errors with 400 whatever they mean, so the code decides, not the status.
    """
    detail = _error_object(response)
    code = _int(detail.get("code"))
    subcode = _int(detail.get("error_subcode"))
    message = str(detail.get("error_user_msg") or detail.get("message") or "").strip()
    if not message:
        message = f"HTTP {response.status} {response.reason}".strip()
    message = message[:ERROR_TEXT_LIMIT]
    label = str(code) if subcode is None else f"{code}/{subcode}"
    if code in TOKEN_CODES or (code is None and response.status == 401):
        return AuthError(
            f"Meta refused the access token: {message}. Reconnect the channel.",
            status=response.status,
            code=label,
        )
    if code in PERMISSION_CODES:
        return AuthError(
            f"The connection lacks a permission Meta requires: {message}. Reconnect the channel "
            "and allow every permission asked for.",
            status=response.status,
            code=label,
        )
    if code in RATE_LIMIT_CODES or response.status == 429:
        return TransientError(
            f"Meta's rate limit was reached: {message}",
            status=response.status,
            code=label,
            retry_after=rate_limit_wait(response),
        )
    # Code 1 also names configuration errors ("Error validating client secret"), typed as an
    # OAuthException; only the plain "unknown error" is worth trying again.
    temporary = code in TEMPORARY_CODES and detail.get("type") != "OAuthException"
    if temporary or response.status >= 500 or detail.get("is_transient") is True:
        return TransientError(
            message,
            status=response.status,
            code=label,
            retry_after=retry_after_seconds(response.headers, response.received_at),
        )
    return PermanentError(message, status=response.status, code=label)


def rate_limit_wait(response: Response) -> float | None:
    """Return the seconds Meta says to wait, from its usage headers or ``Retry-After``.

    ``X-Business-Use-Case-Usage`` carries ``estimated_time_to_regain_access`` in minutes per
    business; ``X-App-Usage`` only percentages, so an hour is assumed when it reaches 100.
    """
    waits: list[float] = []
    for name in ("x-business-use-case-usage", "x-ad-account-usage"):
        usage = _json_header(response.headers.get(name))
        entries: list[Any] = []
        if isinstance(usage, dict):
            for value in usage.values():
                entries.extend(value if isinstance(value, list) else [value])
        for entry in entries:
            if isinstance(entry, dict):
                minutes = _int(entry.get("estimated_time_to_regain_access"))
                if minutes:
                    waits.append(minutes * 60.0)
    if waits:
        return max(waits)
    header = retry_after_seconds(response.headers, response.received_at)
    if header is not None:
        return header
    usage = _json_header(response.headers.get("x-app-usage"))
    if isinstance(usage, dict) and any((_int(value) or 0) >= 100 for value in usage.values()):
        return 3600.0
    return None


class Graph:
    """Graph API calls with one access token, every error mapped by ``graph_error``."""

    def __init__(self, client: HttpClient, token: str) -> None:
        self.client = client
        self.token = token

    def get(self, path: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET ``GRAPH_URL + path`` (or a full URL from ``paging.next``) and return its object."""
        url = path if path.startswith("https://") else f"{GRAPH_URL}{path}"
        return self._checked(self.client.request("GET", url, params=params, **self._auth()))

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a JSON body; a lost reply raises ``UnknownOutcomeError`` (never de-duplicated)."""
        response = self.client.request(
            "POST", f"{GRAPH_URL}{path}", json=dict(body), safe_to_retry=False, **self._auth()
        )
        return self._checked(response)

    def pages(self, path: str, params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Yield every item of a paginated edge, following ``paging.next`` (at most 20 pages)."""
        url: str | None = path
        query = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            data = self.get(url, query)
            items = data.get("data")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    yield item
            paging = data.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            url = following if _is_graph_url(following) else None
            query = None  # the next link carries its own query

    def _auth(self) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Bearer {self.token}"}, "check": False}

    @staticmethod
    def _checked(response: Response) -> dict[str, Any]:
        if not response.ok:
            raise graph_error(response)
        return response.json_object()


def insight_value(entry: Mapping[str, Any]) -> int:
    """An insight's figure: ``values[0].value`` for a media, ``total_value.value`` otherwise."""
    values = entry.get("values")
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return count_of(values[0].get("value"))
    total = entry.get("total_value")
    return count_of(total.get("value")) if isinstance(total, dict) else 0


def _is_graph_url(url: Any) -> bool:
    """Only follow a ``next`` link back to Graph itself, never to a host it names."""
    return isinstance(url, str) and urlsplit(url).hostname == urlsplit(GRAPH_URL).hostname


def _error_object(response: Response) -> dict[str, Any]:
    try:
        data = jsonlib.loads(response.body) if response.body else None
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    return {"message": response.text.strip()[:ERROR_TEXT_LIMIT]}


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        return jsonlib.loads(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
