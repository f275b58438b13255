"""Reading a published LinkedIn post's figures: social actions, and a page post's reshares."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest

from planner.connectors.base import ConnectorOptions, Engagement, PublishRequest
from planner.connectors.errors import AuthError, PermanentError, PostGoneError, TransientError
from planner.connectors.linkedin import LinkedInConnector
from tests.connectors.test_connector_linkedin import MEMBER_SCOPES, PAGE_SCOPES, connect
from tests.fakes.linkedin import FakeLinkedIn

Build = Callable[..., PublishRequest]


def page_post(fake: FakeLinkedIn, options: ConnectorOptions, make_request: Build) -> str:
    result = connect(fake, options, author=fake.organization).publish(make_request())
    assert result.external_id
    return result.external_id


def test_linkedin_reads_likes_and_all_comments_of_a_page_post(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.set_engagement(urn, likes=17, comments=6)

    figures = connect(fake_linkedin, options, author=fake_linkedin.organization).engagement(urn)

    assert figures == Engagement(replies=6, reposts=0, quotes=0, likes=17)
    assert figures.raw == {"totalLikes": 17, "aggregatedTotalComments": 6, "shareCount": 0}
    [request] = fake_linkedin.requests_to("/rest/socialActions/", "GET")
    assert request.path == f"/rest/socialActions/{quote(urn, safe='')}"
    assert request.headers["linkedin-version"]


def test_a_page_post_reads_its_reshares_from_the_share_statistics(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.set_engagement(urn, likes=17, comments=6, reposts=4)

    figures = connect(fake_linkedin, options, author=fake_linkedin.organization).engagement(urn)

    assert figures == Engagement(replies=6, reposts=4, quotes=0, likes=17)
    assert figures.raw is not None and figures.raw["shareCount"] == 4
    [request] = fake_linkedin.requests_to("/rest/organizationalEntityShareStatistics", "GET")
    assert request.query == {
        "q": "organizationalEntity",
        "organizationalEntity": fake_linkedin.organization,
        "shares": f"List({urn})",
    }
    assert request.headers["x-restli-protocol-version"] == "2.0.0"


def test_a_ugc_post_is_asked_for_by_its_own_list(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    ugc = "urn:li:ugcPost:7100000000000000999"  # a video post made outside the Posts API
    fake_linkedin.posts.append({**fake_linkedin.posts[-1], "id": ugc})
    fake_linkedin.set_engagement(ugc, reposts=9)
    connector = connect(fake_linkedin, options, author=fake_linkedin.organization)

    assert connector.engagement(ugc) == Engagement(reposts=9)
    assert connector.engagement(urn) == Engagement()
    first, second = fake_linkedin.requests_to("/rest/organizationalEntityShareStatistics")
    assert first.query["ugcPosts"] == f"List({ugc})" and "shares" not in first.query
    assert second.query["shares"] == f"List({urn})"


def test_a_page_connected_without_reporting_keeps_likes_and_comments(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    token = fake_linkedin.token("w_organization_social,r_organization_social")
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.set_engagement(urn, likes=5, comments=2, reposts=3)

    connector = connect(fake_linkedin, options, author=fake_linkedin.organization, token=token)
    figures = connector.engagement(urn)

    assert figures == Engagement(replies=2, reposts=0, likes=5)
    assert figures.raw is not None and figures.raw["shareCount"] is None
    [refused] = fake_linkedin.requests_to("/rest/organizationalEntityShareStatistics", "GET")
    assert refused.bearer == token


def test_rate_limited_share_statistics_read_later_instead_of_zero_reshares(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.set_engagement(urn, likes=1, reposts=2)
    fake_linkedin.fail_next(
        429,
        {"status": 429, "code": "TOO_MANY_REQUESTS", "message": "Resource level throttle"},
        {"Retry-After": "60"},
        path="/rest/organizationalEntityShareStatistics",
    )
    connector = connect(fake_linkedin, options, author=fake_linkedin.organization)

    with pytest.raises(TransientError) as caught:
        connector.engagement(urn)

    assert caught.value.retry_after == 60
    assert connector.engagement(urn) == Engagement(reposts=2, likes=1)


def test_a_member_with_r_member_social_reads_figures(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    token = fake_linkedin.token(f"{MEMBER_SCOPES},r_member_social")
    urn = connect(fake_linkedin, options, token=token).publish(make_request()).external_id
    assert urn
    fake_linkedin.set_engagement(urn, likes=2, comments=1)

    figures = connect(fake_linkedin, options, token=token).engagement(urn)

    assert figures == Engagement(replies=1, likes=2)
    assert figures.raw is not None and figures.raw["shareCount"] is None
    # Only administrators get share statistics: a member's post is not asked about.
    assert fake_linkedin.requests_to("/rest/organizationalEntityShareStatistics") == []


def test_a_member_without_r_member_social_is_refused_for_good_not_reconnected(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    token = fake_linkedin.token(f"{MEMBER_SCOPES},{PAGE_SCOPES}")
    urn = connect(fake_linkedin, options, token=token).publish(make_request()).external_id
    assert urn

    with pytest.raises(PermanentError) as caught:
        connect(fake_linkedin, options, token=token).engagement(urn)

    assert not isinstance(caught.value, PostGoneError)
    assert caught.value.status == 403


def test_a_deleted_linkedin_post_is_gone(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.delete(urn)

    with pytest.raises(PostGoneError):
        connect(fake_linkedin, options, author=fake_linkedin.organization).engagement(urn)


def test_linkedin_429_says_when_to_come_back_and_bad_token_is_auth(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    urn = page_post(fake_linkedin, options, make_request)
    fake_linkedin.rate_limited = 1
    connector = connect(fake_linkedin, options, author=fake_linkedin.organization)

    with pytest.raises(TransientError) as caught:
        connector.engagement(urn)
    assert caught.value.retry_after == 90
    assert connector.engagement(urn) == Engagement()

    bad = connect(fake_linkedin, options, author=fake_linkedin.organization, token="nope")
    with pytest.raises(AuthError):
        bad.engagement(urn)


def test_linkedin_declares_engagement_and_a_read_limit() -> None:
    assert LinkedInConnector.gives_engagement is True
    assert (LinkedInConnector.read_limit, LinkedInConnector.read_window_seconds) == (200, 3600.0)
