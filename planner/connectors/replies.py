"""What a platform's HTTP reply means: its body, its own error words, and how long to wait.

``error_for_response`` turns a non-2xx reply into the typed error that tells the worker what to
do next; the connectors use the same helpers where a platform answers in its own way.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from planner.connectors.errors import AuthError, ConnectorError, PermanentError, TransientError
from planner.timeutils import utcnow

ERROR_TEXT_LIMIT = 500


@dataclass(frozen=True)
class Response:
    """A complete HTTP reply; headers are keyed in lower case."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    host: str = ""
    received_at: datetime = field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        """Tell whether the status is 2xx."""
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        """Return the body decoded as UTF-8, replacing undecodable bytes."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the decoded JSON body, or raise ``PermanentError`` when it is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except ValueError as exc:
            raise PermanentError(
                f"{self.host} answered {self.status} with a body that is not JSON",
                status=self.status,
            ) from exc

    def json_object(self) -> dict[str, Any]:
        """Return the JSON body, which must be an object."""
        data = self.json()
        if not isinstance(data, dict):
            raise PermanentError(
                f"{self.host} answered {self.status} with unexpected JSON", status=self.status
            )
        return data


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """Read how long the server asked us to wait, from the headers platforms actually send.

    ``Retry-After`` holds seconds or an HTTP date; Mastodon sends ``X-RateLimit-Reset``
    as an ISO 8601 time, Bluesky sends ``RateLimit-Reset`` as epoch seconds.
    """
    value = headers.get("retry-after")
    if value:
        seconds = _seconds_or_date(value, now)
        if seconds is not None:
            return seconds
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = headers.get(name)
        if value:
            seconds = _seconds_or_date(value, now)
            if seconds is not None:
                return seconds
    return None


def _seconds_or_date(value: str, now: datetime) -> float | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        # A value this large is an epoch timestamp, not a delay.
        if number > 1_000_000_000:
            return max(0.0, number - now.timestamp())
        return max(0.0, number)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def error_text(response: Response) -> str:
    """Return the platform's own explanation from an error reply, at most 500 characters."""
    text = ""
    try:
        data = jsonlib.loads(response.body) if response.body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get("error")
        detail = data.get("message") or data.get("error_description")
        if isinstance(code, str) and isinstance(detail, str) and detail and detail != code:
            text = f"{detail} ({code})"
        elif isinstance(detail, str) and detail:
            text = detail
        elif isinstance(code, str) and code:
            text = code
    if not text:
        text = response.text.strip()
    if not text:
        text = f"HTTP {response.status} {response.reason}".strip()
    if len(text) > ERROR_TEXT_LIMIT:
        text = text[: ERROR_TEXT_LIMIT - 1] + "…"
    return text


def error_code(response: Response) -> str | None:
    """Return the machine-readable ``error`` field of a JSON error reply, if any."""
    try:
        data = jsonlib.loads(response.body) if response.body else None
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    return None


def error_for_response(response: Response) -> ConnectorError:
    """Map a non-2xx reply to the typed error that tells the worker what to do next."""
    status = response.status
    message = error_text(response)
    code = error_code(response)
    if status in (401, 403):
        return AuthError(message, status=status, code=code)
    if status == 429 or status >= 500:
        return TransientError(
            message,
            status=status,
            code=code,
            retry_after=retry_after_seconds(response.headers, response.received_at),
        )
    return PermanentError(message, status=status, code=code)
