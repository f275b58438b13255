"""LinkedIn's error replies (``{"message", "status", "serviceErrorCode"}``) as typed errors."""

from __future__ import annotations

from typing import Any

from planner.connectors.errors import AuthError, ConnectorError, PermanentError, TransientError
from planner.connectors.replies import ERROR_TEXT_LIMIT, Response, retry_after_seconds


def checked(response: Response) -> dict[str, Any]:
    """Return the JSON object of a 2xx reply, else raise the error LinkedIn's reply means."""
    if response.ok:
        return response.json_object()
    raise linkedin_error(response)


def error_message(response: Response) -> str:
    """LinkedIn's own words for a refusal, cut to the length an error keeps."""
    try:
        data = response.json()
    except PermanentError:
        data = None
    text = ""
    if isinstance(data, dict):
        text = str(data.get("message") or data.get("error_description") or data.get("error") or "")
    return (text or response.text.strip() or f"HTTP {response.status}")[:ERROR_TEXT_LIMIT]


def linkedin_error(response: Response) -> ConnectorError:
    """Map LinkedIn's ``{"message", "status", "serviceErrorCode"}`` replies to error classes."""
    message = error_message(response)
    if response.status in (401, 403):
        return AuthError(message, status=response.status)
    if response.status == 429 or response.status >= 500:
        return TransientError(
            message,
            status=response.status,
            retry_after=retry_after_seconds(response.headers, response.received_at),
        )
    return PermanentError(f"LinkedIn refused the request: {message}", status=response.status)
