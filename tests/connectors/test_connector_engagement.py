"""Reading a published post's figures: Mastodon's status counters and Bluesky's getPosts."""

from __future__ import annotations

import pytest

from planner.connectors.base import ConnectorOptions, Engagement
from planner.connectors.bluesky import BlueskyConnector
from planner.connectors.errors import AuthError, PostGoneError, TransientError
from planner.connectors.mastodon import MastodonConnector
from planner.connectors.outbox import OutboxConnector
from planner.connectors.webhook import WebhookConnector
from tests.fakes import FakeBluesky, FakeMastodon


def mastodon(fake: FakeMastodon, options: ConnectorOptions, token: str = "test-token"):
    return MastodonConnector({"instance_url": fake.url, "access_token": token}, options=options)


def bluesky(fake: FakeBluesky, options: ConnectorOptions) -> BlueskyConnector:
    config = {"service_url": fake.url, "handle": fake.handle, "app_password": fake.password}
    return BlueskyConnector(config, options=options)


def test_mastodon_reads_the_status_counters(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    status = fake_mastodon.add_status(replies=4, reblogs=2, quotes=1, favourites=9)

    figures = mastodon(fake_mastodon, options).engagement(status)

    assert figures == Engagement(replies=4, reposts=2, quotes=1, likes=9)
    assert figures.raw == {
        "replies_count": 4,
        "reblogs_count": 2,
        "quotes_count": 1,
        "favourites_count": 9,
    }
    [request] = fake_mastodon.requests_to(f"/api/v1/statuses/{status}", "GET")
    assert request.bearer == "test-token"


def test_mastodon_without_quotes_reads_zero_quotes(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    fake_mastodon.has_quotes = False
    status = fake_mastodon.add_status(replies=1, quotes=5)

    figures = mastodon(fake_mastodon, options).engagement(status)

    assert (figures.replies, figures.quotes) == (1, 0)
    assert "quotes_count" not in (figures.raw or {})


def test_mastodon_counters_that_go_down_are_read_as_they_are(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    status = fake_mastodon.add_status(favourites=10, reblogs=3)
    connector = mastodon(fake_mastodon, options)
    assert connector.engagement(status).likes == 10

    fake_mastodon.set_counts(status, favourites=7, reblogs=1)  # someone took a like back

    assert connector.engagement(status) == Engagement(likes=7, reposts=1)


def test_a_deleted_mastodon_status_is_gone(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    status = fake_mastodon.add_status()
    fake_mastodon.delete_status(status)

    with pytest.raises(PostGoneError, match="Record not found"):
        mastodon(fake_mastodon, options).engagement(status)


def test_mastodon_429_says_when_to_come_back(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    fake_mastodon.read_limit = 1
    first, second = fake_mastodon.add_status(), fake_mastodon.add_status()
    connector = mastodon(fake_mastodon, options)
    connector.engagement(first)

    with pytest.raises(TransientError) as caught:
        connector.engagement(second)

    assert caught.value.status == 429
    # X-RateLimit-Reset is five minutes after the window's first read.
    assert caught.value.retry_after is not None and 250 < caught.value.retry_after <= 300


def test_mastodon_wrong_token_is_an_auth_error(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    status = fake_mastodon.add_status()
    with pytest.raises(AuthError, match="The access token is invalid"):
        mastodon(fake_mastodon, options, token="wrong").engagement(status)


def test_bluesky_reads_counts_through_the_pds_with_the_session(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    uri = fake_bluesky.add_post(replyCount=3, repostCount=2, quoteCount=1, likeCount=12)
    connector = bluesky(fake_bluesky, options)

    assert connector.engagement(uri) == Engagement(replies=3, reposts=2, quotes=1, likes=12)
    connector.engagement(uri)

    assert fake_bluesky.sessions_created == 1  # the session is kept, not made per read
    assert connector.state_changed  # so the worker saves it
    reads = fake_bluesky.requests_to("app.bsky.feed.getPosts", "GET")
    assert [r.query["uris"] for r in reads] == [uri, uri]
    assert all(r.bearer and r.bearer.startswith("access-") for r in reads)


def test_bluesky_counts_going_down_and_deleted_posts(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    uri = fake_bluesky.add_post(likeCount=5)
    connector = bluesky(fake_bluesky, options)
    assert connector.engagement(uri).likes == 5
    fake_bluesky.set_counts(uri, likeCount=4)
    assert connector.engagement(uri).likes == 4

    fake_bluesky.delete_post(uri)

    with pytest.raises(PostGoneError):
        connector.engagement(uri)


def test_bluesky_429_reads_ratelimit_reset(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    uri = fake_bluesky.add_post()
    fake_bluesky.read_limit = 0
    with pytest.raises(TransientError) as caught:
        bluesky(fake_bluesky, options).engagement(uri)
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and 250 < caught.value.retry_after <= 300


def test_bluesky_renews_an_expired_session_to_read(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    uri = fake_bluesky.add_post(likeCount=1)
    connector = bluesky(fake_bluesky, options)
    connector.engagement(uri)
    fake_bluesky.expire_access_tokens()

    assert connector.engagement(uri).likes == 1
    assert fake_bluesky.refresh_count == 1
    assert fake_bluesky.sessions_created == 1


def test_outbox_and_webhooks_give_no_figures(options: ConnectorOptions) -> None:
    assert not OutboxConnector.gives_engagement and not WebhookConnector.gives_engagement
    assert OutboxConnector({}, options=options).engagement("outbox:1") is None
    assert MastodonConnector.gives_engagement and BlueskyConnector.gives_engagement
