"""What the OAuth connectors share: token times, form bodies, and looking before resending.

Tokens a connector renews go to ``state`` (saved sealed by the worker), so the freshest token
is the one in ``state`` and the one in the channel's secrets is the fallback.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from planner.connectors.errors import ConnectorError, UnknownOutcomeError

if TYPE_CHECKING:
    from planner.connectors.base import Connector, PublishRequest

# A platform's clock and ours may disagree a little: a post made on the first attempt may
# carry a time slightly before the moment we think we sent it.
CLOCK_SKEW = timedelta(minutes=2)
FIRST_ATTEMPTS = "first_attempts"
# First-attempt times older than this are forgotten (no delivery retries for that long).
FORGET_AFTER = timedelta(days=3)


def parse_time(value: Any) -> datetime | None:
    """Return an aware UTC datetime from ISO 8601 text (or a datetime), None when unreadable."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        # Graph APIs write offsets without a colon: 2024-05-01T10:00:00+0000.
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """Return *moment* as the ISO 8601 UTC text stored in a channel's secrets and state."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def expiry(now: datetime, expires_in: Any) -> datetime | None:
    """Return when a token given *expires_in* seconds at *now* dies (None when not said)."""
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    return now + timedelta(seconds=seconds)


def current(connector: Connector, name: str) -> Any:
    """Return a credential, preferring the renewed one in ``state`` over the channel's."""
    value = connector.state.get(name)
    return value if value not in (None, "") else connector.config.get(name)


def form(values: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """Return an ``application/x-www-form-urlencoded`` body and its header."""
    body = urlencode({key: value for key, value in values.items() if value is not None})
    return body.encode("ascii"), {"Content-Type": "application/x-www-form-urlencoded"}


def remember_first_attempt(connector: Connector, request: PublishRequest, now: datetime) -> None:
    """Note when this delivery was first sent, so a retry knows since when to look."""
    seen = dict(connector.state.get(FIRST_ATTEMPTS) or {})
    if request.idempotency_key in seen:
        return
    kept = {
        key: value
        for key, value in seen.items()
        if (when := parse_time(value)) is not None and now - when < FORGET_AFTER
    }
    kept[request.idempotency_key] = iso(now)
    connector._set_state(**{FIRST_ATTEMPTS: kept})


def forget_first_attempt(connector: Connector, request: PublishRequest) -> None:
    """Drop the delivery's first-attempt note once its outcome is known."""
    seen = dict(connector.state.get(FIRST_ATTEMPTS) or {})
    if seen.pop(request.idempotency_key, None) is not None:
        connector._set_state(**{FIRST_ATTEMPTS: seen})


def was_unsure(connector: Connector, request: PublishRequest) -> bool:
    """Tell whether an earlier attempt of this delivery sent its post without hearing back."""
    return request.idempotency_key in (connector.state.get(FIRST_ATTEMPTS) or {})


@contextmanager
def sending(connector: Connector, request: PublishRequest, now: datetime) -> Iterator[None]:
    """Wrap the request that makes the post, noting *now* in ``state`` only if its reply is lost.

    A reply (success or a clear refusal) settles the question, so any earlier note goes; a lost
    reply leaves the note, and the next attempt must find out before sending again. The usual
    case leaves ``state`` untouched, so the worker has nothing to save.
    """
    try:
        yield
    except UnknownOutcomeError:
        remember_first_attempt(connector, request, now)
        raise
    except ConnectorError:
        forget_first_attempt(connector, request)
        raise
    forget_first_attempt(connector, request)


def look_since(connector: Connector, request: PublishRequest) -> datetime | None:
    """Return since when to look for this delivery's post on the platform, None on a first try.

    Every retry looks (an earlier attempt may have been published though its reply was lost,
    or its worker stopped mid-request); the post cannot be older than the delivery's first
    attempt, and never older than when it was due.
    """
    if request.attempt <= 1:
        return None
    first = parse_time((connector.state.get(FIRST_ATTEMPTS) or {}).get(request.idempotency_key))
    due = parse_time(request.scheduled_at)
    candidates = [moment for moment in (first, due) if moment is not None]
    return min(candidates) - CLOCK_SKEW if candidates else datetime.min.replace(tzinfo=UTC)


def same_text(a: str | None, b: str | None) -> bool:
    """Compare two texts as platforms store them (line ends and outer spaces may change)."""

    def norm(value: str | None) -> str:
        return "\n".join(
            line.rstrip() for line in (value or "").replace("\r\n", "\n").split("\n")
        ).strip()

    return norm(a) == norm(b)


def first_match(
    items: Iterable[tuple[str | None, datetime | None, Any]], text: str, since: datetime
) -> Any:
    """Return the payload of the first (text, created, payload) with *text* made since *since*."""
    for found_text, created, payload in items:
        if same_text(found_text, text) and (created is None or created >= since):
            return payload
    return None
