"""The pieces the OAuth connectors share: times, the first-attempt note, matching a post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from planner.connectors.base import PublishRequest
from planner.connectors.errors import PermanentError, UnknownOutcomeError
from planner.connectors.threads import ThreadsConnector
from planner.connectors.tokens import (
    CLOCK_SKEW,
    FIRST_ATTEMPTS,
    first_match,
    look_since,
    parse_time,
    same_text,
    sending,
    was_unsure,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01T09:00:00+0000", NOW),  # Graph writes offsets without a colon
        ("2026-12-01T09:00:00Z", NOW),
        ("2026-12-01T10:00:00+01:00", NOW),
        ("2026-12-01T09:00:00", NOW),  # naive means UTC
        (NOW, NOW),
        ("", None),
        ("soon", None),
        (None, None),
        (1764579600, None),
    ],
)
def test_parse_time(raw: Any, expected: datetime | None) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Fresh bread", "Fresh bread", True),
        ("Fresh bread\r\nToday ", "Fresh bread\nToday", True),
        ("  Fresh bread\n", "Fresh bread", True),
        ("Fresh bread", "Fresh  bread", False),
        ("Fresh bread", None, False),
    ],
)
def test_same_text(a: str, b: str | None, same: bool) -> None:
    assert same_text(a, b) is same


def request(attempt: int = 1, key: str = "k1") -> PublishRequest:
    return PublishRequest(
        delivery_id=1,
        idempotency_key=key,
        text="Hi",
        link=None,
        post_id=1,
        channel_id=1,
        category="promotional",
        scheduled_at=NOW,
        attempt=attempt,
    )


def connector() -> ThreadsConnector:
    return ThreadsConnector({"user_id": "1", "access_token": "t"})


def test_a_first_attempt_does_not_look() -> None:
    assert look_since(connector(), request(attempt=1)) is None


def test_a_retry_looks_since_it_was_due_or_first_sent_whichever_is_earlier() -> None:
    made = connector()
    assert look_since(made, request(attempt=2)) == NOW - CLOCK_SKEW
    # First sent at 8:00, then the post was moved to 9:00: the look reaches back to 8:00.
    made.state[FIRST_ATTEMPTS] = {"k1": "2026-12-01T08:00:00Z"}
    assert look_since(made, request(attempt=2)) == NOW - timedelta(hours=1) - CLOCK_SKEW


def test_sending_notes_only_a_lost_reply() -> None:
    made = connector()
    with sending(made, request(), NOW):
        pass
    assert not made.state_changed  # the usual case: nothing for the worker to save
    with pytest.raises(UnknownOutcomeError), sending(made, request(), NOW):
        raise UnknownOutcomeError("lost", safe_to_retry=True)
    assert was_unsure(made, request())
    later = NOW + timedelta(minutes=5)
    with pytest.raises(UnknownOutcomeError), sending(made, request(attempt=2), later):
        raise UnknownOutcomeError("lost again", safe_to_retry=True)
    assert made.state[FIRST_ATTEMPTS] == {"k1": "2026-12-01T09:00:00Z"}  # the first time kept
    with pytest.raises(PermanentError), sending(made, request(attempt=3), later):
        raise PermanentError("refused")
    assert not was_unsure(made, request())


def test_old_notes_are_forgotten() -> None:
    made = connector()
    made.state[FIRST_ATTEMPTS] = {"old": "2026-11-20T09:00:00Z"}
    with pytest.raises(UnknownOutcomeError), sending(made, request(), NOW):
        raise UnknownOutcomeError("lost", safe_to_retry=True)
    assert set(made.state[FIRST_ATTEMPTS]) == {"k1"}


def test_first_match_needs_the_text_and_the_time() -> None:
    items = [
        ("Hi", NOW - timedelta(days=7), "last week"),
        ("Hello", NOW + timedelta(minutes=1), "other"),
        ("Hi", NOW + timedelta(minutes=1), "this one"),
    ]
    assert first_match(items, "Hi", NOW) == "this one"
    assert first_match(items, "Hi", NOW + timedelta(hours=1)) is None
