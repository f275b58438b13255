"""What to do after a publish attempt: the pure retry, backoff and lateness rules.

No Flask, no database: the worker hands in the error, the attempt count and the clock and gets
back a ``Decision`` that says which status the delivery takes next and when it is tried again.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from planner.connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.models import DeliveryStatus

D = DeliveryStatus
DEFAULT_LATENESS_MINUTES = 60
# Platforms that ignore a second copy of the same delivery or inbox answer: Mastodon
# (Idempotency-Key, kept one hour, plus a look in the thread for an answer), Bluesky (the rkey
# chosen once per delivery or answer) and the outbox (the key in each line); Facebook,
# Instagram, Threads, LinkedIn and Google do not, but their connectors look before sending
# again: for a post among the account's latest, for an answer in the answered reply's thread
# (Google has no inbox), and answer "unconfirmed" themselves where they cannot look. A webhook receiver cannot be trusted to do this, so a lost reply there is never retried.
DEDUPLICATING_PLATFORMS = frozenset(
    {
        "mastodon",
        "bluesky",
        "outbox",
        "facebook",
        "instagram",
        "threads",
        "linkedin",
        "google_business",
    }
)
# Mastodon forgets idempotency keys after an hour; the shortest window decides for everyone.
DEDUPLICATION_WINDOW = timedelta(minutes=55)
# Backoff never grows beyond this, however many attempts are allowed.
MAX_BACKOFF_SECONDS = 6 * 3600


@dataclass(frozen=True)
class RetryPolicy:
    """The deployment's retry settings (``PLANNER_MAX_ATTEMPTS``, ``PLANNER_RETRY_BASE_SECONDS``)."""

    max_attempts: int = 5
    base_seconds: float = 60.0

    @classmethod
    def from_config(cls, config: Any) -> RetryPolicy:
        return cls(
            max_attempts=max(1, int(config["MAX_ATTEMPTS"])),
            base_seconds=max(0.0, float(config["RETRY_BASE_SECONDS"])),
        )


@dataclass(frozen=True)
class Decision:
    """The delivery's next status; ``count_attempt`` is false when the attempt is given back."""

    status: DeliveryStatus
    message: str | None = None
    next_attempt_at: datetime | None = None
    count_attempt: bool = True
    channel_needs_reauth: bool = False


def allowed_lateness(settings: Mapping[str, Any] | None) -> timedelta:
    """Return how late a delivery may still go out, from the workspace's settings."""
    raw = (settings or {}).get("allowed_lateness_minutes", DEFAULT_LATENESS_MINUTES)
    try:
        minutes = float(raw)
    except (TypeError, ValueError):
        minutes = DEFAULT_LATENESS_MINUTES
    return timedelta(minutes=max(0.0, minutes))


def is_missed(*, due_at: datetime, now: datetime, lateness: timedelta) -> bool:
    """True when publishing now would be later than the workspace allows."""
    return now - due_at > lateness


def backoff_seconds(attempt: int, base: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random.

    The fixed half keeps retries from coming back too soon; the random half spreads out the
    deliveries that failed together (a platform outage) so they do not return in one burst.
    """
    step = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempt - 1))
    return step / 2 + (rng or random).uniform(0, step / 2)


def decide(
    error: ConnectorError | None,
    *,
    platform: str,
    attempts: int,
    due_at: datetime,
    now: datetime,
    lateness: timedelta,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> Decision:
    """Turn the outcome of attempt number *attempts* into the delivery's next status."""
    if error is None:
        return Decision(D.PUBLISHED)
    message = error.message
    if isinstance(error, AuthError):
        # Nothing is lost and no attempt is used up: the delivery waits for the owner to reconnect.
        status = D.RETRYING if attempts > 1 else D.QUEUED
        return Decision(
            status, message, next_attempt_at=now, count_attempt=False, channel_needs_reauth=True
        )
    if isinstance(error, QuotaWait):
        return quota_wait(error, due_at=due_at, now=now, lateness=lateness)
    if isinstance(error, UnknownOutcomeError) and not (
        error.safe_to_retry and platform in DEDUPLICATING_PLATFORMS
    ):
        return Decision(D.UNCONFIRMED, message)
    if isinstance(error, PermanentError):
        return Decision(D.FAILED, message)
    if not isinstance(error, TransientError | UnknownOutcomeError):
        return Decision(D.FAILED, message)
    # Transient, or an unknown outcome the platform will de-duplicate: try again later.
    gave_up = D.UNCONFIRMED if isinstance(error, UnknownOutcomeError) else D.FAILED
    if attempts >= policy.max_attempts:
        return Decision(gave_up, f"Gave up after {attempts} attempts: {message}")
    delay = backoff_seconds(attempts, policy.base_seconds, rng)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    next_attempt_at = now + timedelta(seconds=delay)
    if is_missed(due_at=due_at, now=next_attempt_at, lateness=lateness):
        if isinstance(error, UnknownOutcomeError):
            return Decision(D.UNCONFIRMED, message)
        return Decision(
            D.MISSED, f"Could not publish within the allowed lateness; last error: {message}"
        )
    return Decision(D.RETRYING, message, next_attempt_at=next_attempt_at)


def quota_wait(
    error: QuotaWait, *, due_at: datetime, now: datetime, lateness: timedelta
) -> Decision:
    """Wait out a used-up publishing quota without using an attempt: nothing was sent.

    The wait still ends within the workspace's allowed lateness, like any retry: a post held
    back past it is missed, with the quota named as the reason.
    """
    seconds = max(0.0, float(error.retry_after if error.retry_after is not None else 3600.0))
    next_attempt_at = now + timedelta(seconds=seconds)
    if is_missed(due_at=due_at, now=next_attempt_at, lateness=lateness):
        return Decision(
            D.MISSED,
            f"Could not publish within the allowed lateness: {error.message}",
            count_attempt=False,
        )
    return Decision(D.RETRYING, error.message, next_attempt_at=next_attempt_at, count_attempt=False)


def recover(
    *,
    platform: str,
    attempts: int,
    due_at: datetime,
    lease_expired_at: datetime,
    now: datetime,
    lease: timedelta,
    lateness: timedelta,
    policy: RetryPolicy,
) -> Decision:
    """Decide for a delivery whose worker vanished mid-publish (its lease ran out).

    It may or may not have been published, so it is tried again only where the platform will
    drop a duplicate, within that platform's memory and the workspace's allowed lateness.
    """
    started = lease_expired_at - lease
    message = "The worker stopped while publishing; it may or may not have been published"
    if (
        platform in DEDUPLICATING_PLATFORMS
        and attempts < policy.max_attempts
        and now - started < DEDUPLICATION_WINDOW
        and not is_missed(due_at=due_at, now=now, lateness=lateness)
    ):
        return Decision(D.RETRYING, message + "; trying again", next_attempt_at=now)
    return Decision(D.UNCONFIRMED, message)
