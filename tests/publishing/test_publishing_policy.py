"""The pure retry policy: which status follows which error, and when the next try is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from planner.connectors.errors import (
    AuthError,
    PermanentError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.publishing.policy import (
    RetryPolicy,
    allowed_lateness,
    backoff_seconds,
    decide,
    recover,
)

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
POLICY = RetryPolicy(max_attempts=5, base_seconds=60)


def run(error, *, platform="webhook", attempts=1, due_at=NOW, lateness=HOUR):
    return decide(
        error,
        platform=platform,
        attempts=attempts,
        due_at=due_at,
        now=NOW,
        lateness=lateness,
        policy=POLICY,
        rng=random.Random(7),
    )


@pytest.mark.parametrize(
    ("error", "platform", "status"),
    [
        (None, "webhook", "published"),
        (PermanentError("Validation failed", status=422), "mastodon", "failed"),
        (TransientError("Service Unavailable", status=503), "webhook", "retrying"),
        (TransientError("Could not connect: connection refused"), "mastodon", "retrying"),
        (UnknownOutcomeError("reset", safe_to_retry=False), "webhook", "unconfirmed"),
        (UnknownOutcomeError("reset", safe_to_retry=True), "mastodon", "retrying"),
        (UnknownOutcomeError("reset", safe_to_retry=True), "bluesky", "retrying"),
        # Their connectors look for the post before sending again.
        (UnknownOutcomeError("reset", safe_to_retry=True), "facebook", "retrying"),
        (UnknownOutcomeError("reset", safe_to_retry=True), "instagram", "retrying"),
        (UnknownOutcomeError("reset", safe_to_retry=False), "instagram", "unconfirmed"),
        # A connector that claims safety for a platform we do not trust to de-duplicate.
        (UnknownOutcomeError("reset", safe_to_retry=True), "webhook", "unconfirmed"),
    ],
)
def test_each_error_class_has_its_action(error, platform, status) -> None:
    assert run(error, platform=platform).status == status


def test_auth_error_waits_without_using_an_attempt() -> None:
    first = run(AuthError("The access token is invalid", status=401), attempts=1)
    later = run(AuthError("Forbidden", status=403), attempts=3)

    assert (first.status, later.status) == ("queued", "retrying")
    assert first.channel_needs_reauth and not first.count_attempt
    assert first.message == "The access token is invalid"


def test_backoff_doubles_with_jitter_within_bounds() -> None:
    rng = random.Random(1)
    for attempt, (low, high) in enumerate([(30, 60), (60, 120), (120, 240), (240, 480)], 1):
        delays = [backoff_seconds(attempt, 60, rng) for _ in range(200)]
        assert low <= min(delays) and max(delays) <= high
        assert max(delays) - min(delays) > (high - low) / 2  # really spread out


def test_backoff_is_capped() -> None:
    assert backoff_seconds(40, 60, random.Random(1)) <= 6 * 3600


def test_retry_after_is_honoured_when_longer_than_backoff() -> None:
    decision = run(TransientError("Too Many Requests", status=429, retry_after=900))

    assert decision.next_attempt_at == NOW + timedelta(seconds=900)


def test_short_retry_after_does_not_shorten_backoff() -> None:
    decision = run(TransientError("Too Many Requests", status=429, retry_after=1))

    assert decision.next_attempt_at >= NOW + timedelta(seconds=30)


def test_last_attempt_gives_up() -> None:
    transient = run(TransientError("Bad Gateway", status=502), attempts=5)
    unknown = run(
        UnknownOutcomeError("timed out", safe_to_retry=True), platform="mastodon", attempts=5
    )

    assert (transient.status, transient.message) == (
        "failed",
        "Gave up after 5 attempts: Bad Gateway",
    )
    assert unknown.status == "unconfirmed"


def test_a_retry_beyond_the_allowed_lateness_is_missed() -> None:
    decision = run(
        TransientError("Too Many Requests", status=429, retry_after=600),
        due_at=NOW - timedelta(minutes=55),
    )

    assert decision.status == "missed"
    assert "Too Many Requests" in decision.message


@pytest.mark.parametrize(
    ("settings", "minutes"),
    [({}, 60), ({"allowed_lateness_minutes": 15}, 15), ({"allowed_lateness_minutes": "x"}, 60)],
)
def test_allowed_lateness_comes_from_the_workspace(settings, minutes) -> None:
    assert allowed_lateness(settings) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("platform", "attempts", "expired_ago", "status"),
    [
        ("mastodon", 1, timedelta(minutes=1), "retrying"),
        ("outbox", 1, timedelta(minutes=1), "retrying"),
        ("webhook", 1, timedelta(minutes=1), "unconfirmed"),
        ("mastodon", 5, timedelta(minutes=1), "unconfirmed"),  # no attempts left
        ("mastodon", 1, timedelta(minutes=58), "unconfirmed"),  # Mastodon forgot the key
    ],
)
def test_recovery_retries_only_where_duplicates_are_dropped(
    platform,
    attempts,
    expired_ago,
    status,
) -> None:
    decision = recover(
        platform=platform,
        attempts=attempts,
        due_at=NOW - timedelta(minutes=5),
        lease_expired_at=NOW - expired_ago,
        now=NOW,
        lease=timedelta(minutes=2),
        lateness=timedelta(hours=2),
        policy=POLICY,
    )

    assert decision.status == status


def test_a_used_up_quota_waits_its_time_without_using_an_attempt() -> None:
    wait = QuotaWait("Instagram allows 50 posts per 24 hours", retry_after=1800)
    decision = run(wait, platform="instagram", attempts=5)
    assert decision.status == "retrying"
    assert decision.next_attempt_at == NOW + timedelta(seconds=1800)
    assert decision.count_attempt is False
    assert decision.message == "Instagram allows 50 posts per 24 hours"
    assert decision.channel_needs_reauth is False


def test_a_quota_wait_without_a_time_waits_an_hour() -> None:
    decision = run(QuotaWait("used up"), platform="threads", lateness=2 * HOUR)
    assert decision.next_attempt_at == NOW + HOUR


def test_a_quota_wait_beyond_the_allowed_lateness_is_missed_with_the_reason() -> None:
    decision = run(QuotaWait("Instagram allows 50 posts", retry_after=3 * 3600))
    assert decision.status == "missed"
    assert "Instagram allows 50 posts" in decision.message
    assert decision.next_attempt_at is None
