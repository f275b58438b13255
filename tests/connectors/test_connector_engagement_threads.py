"""Reading a published Threads post's figures from its media insights."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.connectors.base import ConnectorOptions, Engagement, PublishRequest
from planner.connectors.errors import AuthError, PostGoneError, TransientError
from planner.connectors.threads import ThreadsConnector
from tests.connectors.test_connector_threads import connect
from tests.fakes import FakeThreads

Build = Callable[..., PublishRequest]


def published(fake: FakeThreads, options: ConnectorOptions, make_request: Build) -> str:
    result = connect(fake, options).publish(make_request(text="Fresh sourdough today"))
    assert result.external_id
    return result.external_id


def test_threads_reads_likes_replies_reposts_and_quotes(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    post = published(fake_threads, options, make_request)
    fake_threads.set_engagement(post, likes=21, replies=4, reposts=3, quotes=2)

    figures = connect(fake_threads, options).engagement(post)

    assert figures == Engagement(replies=4, reposts=3, quotes=2, likes=21)
    assert figures.raw == {"likes": 21, "replies": 4, "reposts": 3, "quotes": 2}
    [request] = fake_threads.requests_to(f"/v1.0/{post}/insights", "GET")
    assert request.query["metric"] == "likes,replies,reposts,quotes"


def test_a_deleted_threads_post_is_gone(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    post = published(fake_threads, options, make_request)
    fake_threads.delete(post)

    with pytest.raises(PostGoneError):
        connect(fake_threads, options).engagement(post)


def test_threads_rate_limit_says_when_to_come_back(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    post = published(fake_threads, options, make_request)
    fake_threads.set_engagement(post, likes=1)
    fake_threads.rate_limited = 1

    with pytest.raises(TransientError) as caught:
        connect(fake_threads, options).engagement(post)

    assert caught.value.retry_after == 120
    assert connect(fake_threads, options).engagement(post) == Engagement(likes=1)


def test_threads_bad_token_is_an_auth_error(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    post = published(fake_threads, options, make_request)

    with pytest.raises(AuthError):
        connect(fake_threads, options, token="not-a-token").engagement(post)


def test_threads_without_the_insights_permission_must_reconnect(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    post = published(fake_threads, options, make_request)
    token = fake_threads.desk.new_access("threads_basic,threads_content_publish", 3600).value

    with pytest.raises(AuthError):
        connect(fake_threads, options, token=token).engagement(post)


def test_threads_declares_engagement_and_a_read_limit() -> None:
    assert ThreadsConnector.gives_engagement is True
    assert (ThreadsConnector.read_limit, ThreadsConnector.read_window_seconds) == (200, 3600.0)
