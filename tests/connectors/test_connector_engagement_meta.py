"""Reading a published post's figures on Facebook Pages and Instagram through the Graph API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from planner.connectors.base import ConnectorOptions, Engagement, PublishRequest
from planner.connectors.errors import AuthError, PostGoneError, TransientError
from planner.connectors.facebook import FacebookConnector
from planner.connectors.instagram import InstagramConnector
from tests.connectors.test_connector_facebook import connect as facebook
from tests.connectors.test_connector_instagram import IG
from tests.connectors.test_connector_instagram import connect as instagram
from tests.fakes import FakeMeta
from tests.fakes.meta import graph_error

Build = Callable[..., PublishRequest]


def page_post(fake: FakeMeta, options: ConnectorOptions, make_request: Build) -> str:
    result = facebook(fake, options).publish(make_request(text="Fresh sourdough today"))
    assert result.external_id
    return result.external_id


def ig_media(fake: FakeMeta) -> str:
    fake.fill_quota(IG, [datetime.now(UTC)])
    [media] = fake.ig_posts(IG)
    return str(media["id"])


def test_facebook_reads_reactions_comments_and_shares(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    fake_meta.set_engagement(post, reactions=12, comments=3, shares=2)

    figures = facebook(fake_meta, options).engagement(post)

    assert figures == Engagement(replies=3, reposts=2, quotes=0, likes=12)
    assert figures.raw == {"reactions": 12, "comments": 3, "shares": 2}
    [request] = [r for r in fake_meta.requests if "reactions" in r.query.get("fields", "")]
    assert request.query["fields"] == (
        "reactions.summary(total_count),comments.summary(total_count),shares"
    )
    assert request.bearer == fake_meta.page("1001").token


def test_facebook_without_shares_reads_zero_reposts(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    fake_meta.set_engagement(post, reactions=1, comments=0)

    assert facebook(fake_meta, options).engagement(post) == Engagement(likes=1)


def test_a_deleted_facebook_post_is_gone(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    fake_meta.delete(post)

    with pytest.raises(PostGoneError):
        facebook(fake_meta, options).engagement(post)


def test_facebook_rate_limit_says_when_to_come_back(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    fake_meta.rate_limit(32)

    with pytest.raises(TransientError) as caught:
        facebook(fake_meta, options).engagement(post)

    assert caught.value.retry_after == 7 * 60
    assert facebook(fake_meta, options).engagement(post) == Engagement()


def test_facebook_revoked_token_is_an_auth_error(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    fake_meta.revoke()

    with pytest.raises(AuthError):
        facebook(fake_meta, options).engagement(post)


def test_instagram_reads_likes_and_comments_and_shares_from_insights(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    fake_meta.set_engagement(media, likes=40, comments=5, shares=7, saved=3)

    figures = instagram(fake_meta, options).engagement(media)

    assert figures == Engagement(replies=5, reposts=7, quotes=0, likes=40)
    assert figures.raw == {"like_count": 40, "comments_count": 5, "shares": 7}
    [request] = [r for r in fake_meta.requests if r.path.endswith(f"/{media}")]
    assert request.query["fields"] == "like_count,comments_count"
    [insights] = [r for r in fake_meta.requests if r.path.endswith(f"/{media}/insights")]
    assert insights.query["metric"] == "shares"
    assert insights.bearer == request.bearer


def test_instagram_media_without_insights_keeps_its_likes_and_comments(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    fake_meta.set_engagement(media, likes=9, comments=2, shares=4)
    fake_meta.no_insights.add(media)  # code 100: posted before the account turned professional

    figures = instagram(fake_meta, options).engagement(media)

    assert figures == Engagement(replies=2, reposts=0, likes=9)
    assert figures.raw == {"like_count": 9, "comments_count": 2, "shares": None}


def test_instagram_connected_without_the_insights_permission_still_reads(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    fake_meta.set_engagement(media, likes=3, comments=1, shares=2)
    fake_meta.insights_granted = False  # code 10, not a dead token: no reconnect demanded

    figures = instagram(fake_meta, options).engagement(media)

    assert figures == Engagement(replies=1, likes=3)
    assert figures.raw is not None and figures.raw["shares"] is None


def test_a_rate_limited_insights_read_comes_back_later_instead_of_zero_shares(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    fake_meta.set_engagement(media, likes=3, shares=2)
    limited = graph_error("(#4) Application request limit reached", 4)
    fake_meta.fail_next(400, limited, {"Retry-After": "120"}, path="/insights")

    with pytest.raises(TransientError) as caught:
        instagram(fake_meta, options).engagement(media)

    assert caught.value.retry_after == 120
    assert instagram(fake_meta, options).engagement(media) == Engagement(reposts=2, likes=3)


def test_a_deleted_instagram_media_is_gone(fake_meta: FakeMeta, options: ConnectorOptions) -> None:
    media = ig_media(fake_meta)
    fake_meta.delete(media)

    with pytest.raises(PostGoneError):
        instagram(fake_meta, options).engagement(media)


def test_both_declare_a_conservative_read_limit() -> None:
    for connector in (FacebookConnector, InstagramConnector):
        assert connector.gives_engagement is True
        assert connector.read_limit == 200
        assert connector.read_window_seconds == 3600.0
