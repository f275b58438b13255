"""Threads' error replies, shaped like Graph's (``{"error": {"message", "type", "code"}}``)."""

from __future__ import annotations

from typing import Any

from planner.connectors.errors import AuthError, ConnectorError, PermanentError, TransientError
from planner.connectors.replies import ERROR_TEXT_LIMIT, Response, retry_after_seconds

AUTH_CODES = frozenset({190, 102, 10, 200})
RATE_CODES = frozenset({4, 17, 32, 613})


def subcode(response: Response) -> Any:
    """The reply's ``error_subcode``, if it has one."""
    try:
        data = response.json()
    except PermanentError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error.get("error_subcode") if isinstance(error, dict) else None


def checked(response: Response) -> dict[str, Any]:
    """Return the JSON object of a 2xx reply, else raise the error a Graph reply means."""
    if response.ok:
        return response.json_object()
    raise graph_error(response)


def graph_error(response: Response) -> ConnectorError:
    """Map a Graph-style error (``{"error": {"message", "type", "code", ...}}``) to its class."""
    try:
        data = response.json()
    except PermanentError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    message = str(error.get("message") or response.text.strip() or f"HTTP {response.status}")
    message = message[:ERROR_TEXT_LIMIT]
    code_text = str(code) if code is not None else None
    if code in AUTH_CODES or response.status == 401:
        return AuthError(message, status=response.status, code=code_text)
    if code in RATE_CODES or response.status == 429 or response.status >= 500:
        return TransientError(
            message,
            status=response.status,
            code=code_text,
            retry_after=retry_after_seconds(response.headers, response.received_at),
        )
    return PermanentError(message, status=response.status, code=code_text)
