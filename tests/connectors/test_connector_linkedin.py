"""The LinkedIn connector against the loopback fake: Posts API, images, escaping, exactly once."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest

from planner.connectors.base import ConnectorOptions, MediaItem, OAuthApp, PublishRequest
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.linkedin import LINKEDIN_VERSION, LinkedInConnector, escape_commentary
from planner.connectors.tokens import iso
from planner.timeutils import utcnow
from tests.fakes.linkedin import FakeLinkedIn, render

Build = Callable[..., PublishRequest]
MEMBER_SCOPES = "openid,profile,w_member_social"
PAGE_SCOPES = "w_organization_social,r_organization_social,r_organization_admin"


def connect(
    fake: FakeLinkedIn,
    options: ConnectorOptions,
    *,
    author: str | None = None,
    token: str | None = None,
    **config: str,
) -> LinkedInConnector:
    options = dataclasses.replace(
        options,
        host_overrides=fake.overrides,
        oauth_apps={"linkedin": OAuthApp(fake.desk.client_id, fake.desk.client_secret)},
    )
    values = {
        "author_urn": author or fake.member,
        "access_token": token or fake.token(f"{MEMBER_SCOPES},{PAGE_SCOPES}"),
        **config,
    }
    return LinkedInConnector(values, options=options)


def image(alt: str = "") -> MediaItem:
    return MediaItem(data=b"\xff\xd8jpeg", mime="image/jpeg", width=800, height=600, alt=alt)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Plain words", "Plain words"),
        ("Sale (today) #bread", "Sale \\(today\\) \\#bread"),
        ("a|b{c}d@e[f]g", "a\\|b\\{c\\}d\\@e\\[f\\]g"),
        ("<b> * _x_ ~y~", "\\<b\\> \\* \\_x\\_ \\~y\\~"),
        ("back\\slash", "back\\\\slash"),
        ("ünïcödé 🍞 & ! ? :", "ünïcödé 🍞 & ! ? :"),
        ("", ""),
    ],
)
def test_escape_commentary(text: str, escaped: str) -> None:
    assert escape_commentary(text) == escaped
    assert render(escape_commentary(text)) == text  # the feed shows exactly what was written


def test_member_post_with_versioned_headers_and_urn_from_the_header(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options)
    result = connector.publish(make_request(text="New loaves (rye) #bakery"))
    [post] = fake_linkedin.posts
    assert post["author"] == fake_linkedin.member
    assert post["text"] == "New loaves (rye) #bakery"
    assert post["commentary"] == "New loaves \\(rye\\) \\#bakery"
    assert post["version"] == LINKEDIN_VERSION
    assert result.external_id == post["id"]
    assert result.external_url == f"https://www.linkedin.com/feed/update/{post['id']}"
    [sent] = fake_linkedin.requests_to("/rest/posts", "POST")
    assert sent.headers["x-restli-protocol-version"] == "2.0.0"
    assert sent.json["distribution"] == {
        "feedDistribution": "MAIN_FEED",
        "targetEntities": [],
        "thirdPartyDistributionChannels": [],
    }
    assert sent.json["isReshareDisabledByAuthor"] is False


def test_link_goes_as_an_article(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connect(fake_linkedin, options).publish(make_request(link="https://bakery.example/rye"))
    [post] = fake_linkedin.posts
    assert post["content"]["article"]["source"] == "https://bakery.example/rye"


def test_images_are_uploaded_then_referenced(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options, author=fake_linkedin.organization)
    connector.publish(make_request(media=(image("A loaf"),)))
    connector.publish(make_request(idempotency_key="k2", media=(image(), image(), image())))
    single, several = fake_linkedin.posts
    assert single["author"] == fake_linkedin.organization
    urn = single["content"]["media"]["id"]
    assert fake_linkedin.images[urn]["data"] == b"\xff\xd8jpeg"
    assert fake_linkedin.images[urn]["owner"] == fake_linkedin.organization
    assert single["content"]["media"]["altText"] == "A loaf"
    assert len(several["content"]["multiImage"]["images"]) == 3
    uploads = fake_linkedin.requests_to("/dms-uploads/", "PUT")
    assert len(uploads) == 4
    assert all(upload.bearer for upload in uploads)


def test_validation_error_keeps_linkedins_message(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="must be a supported URL") as caught:
        connect(fake_linkedin, options).publish(make_request(link="ftp://bakery.example/menu"))
    assert caught.value.status == 422
    assert fake_linkedin.posts == []


def test_escaped_characters_count_twice(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options)
    assert connector.count("(a)") == 5
    assert connector.check_length("#" * 1500) is None
    assert connector.check_length("#" * 1501) == "3002 of 3000 characters on LinkedIn"
    connector.publish(make_request(text="#" * 1500))
    assert len(fake_linkedin.posts[0]["commentary"]) == 3000


def test_too_long_is_refused_before_sending(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options)
    assert connector.check_length("x" * 3000) is None
    with pytest.raises(PermanentError, match="3001 of 3000"):
        connector.publish(make_request(text="x" * 3001))
    assert fake_linkedin.requests == []


def test_invalid_token_is_an_auth_error(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(AuthError, match="Invalid access token"):
        connect(fake_linkedin, options, token="nonsense").publish(make_request())


def test_posting_as_a_page_without_the_permission_is_an_auth_error(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(
        fake_linkedin,
        options,
        author=fake_linkedin.organization,
        token=fake_linkedin.token(MEMBER_SCOPES),
    )
    with pytest.raises(AuthError, match="Not enough permissions"):
        connector.publish(make_request())


def test_throttling_is_transient_with_retry_after(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    fake_linkedin.fail_next(
        429,
        {"status": 429, "message": "Resource level throttle limit reached"},
        {"Retry-After": "120"},
        path="/rest/posts",
    )
    with pytest.raises(TransientError, match="throttle") as caught:
        connect(fake_linkedin, options).publish(make_request())
    assert caught.value.retry_after == 120


def test_page_lost_reply_then_retry_finds_the_post(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options, author=fake_linkedin.organization)
    fake_linkedin.lose_reply_after_posting()
    request = make_request(text="Once (only)", scheduled_at=utcnow())
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(request)
    assert caught.value.safe_to_retry
    result = connector.publish(dataclasses.replace(request, attempt=2))
    [post] = fake_linkedin.posts
    assert result.external_id == post["id"]
    finder = fake_linkedin.requests_to("/rest/posts", "GET")[0]
    assert finder.query["author"] == fake_linkedin.organization
    assert finder.query["sortBy"] == "LAST_MODIFIED"


def test_member_lost_reply_cannot_be_checked_so_it_is_not_resent(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    # Reading a member's own posts needs r_member_social, which ordinary apps do not get.
    connector = connect(fake_linkedin, options)
    fake_linkedin.lose_reply_after_posting()
    request = make_request(scheduled_at=utcnow())
    with pytest.raises(UnknownOutcomeError):
        connector.publish(request)
    with pytest.raises(UnknownOutcomeError, match="does not let planner read") as caught:
        connector.publish(dataclasses.replace(request, attempt=2))
    assert caught.value.safe_to_retry is False
    assert len(fake_linkedin.posts) == 1


def test_member_retry_after_a_clear_refusal_posts(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_linkedin, options)
    fake_linkedin.fail_next(
        503, {"status": 503, "message": "Service unavailable"}, path="/rest/posts"
    )
    request = make_request(scheduled_at=utcnow())
    with pytest.raises(TransientError):
        connector.publish(request)
    connector.publish(dataclasses.replace(request, attempt=2))
    assert len(fake_linkedin.posts) == 1


def test_refresh_token_renews_access(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request: Build
) -> None:
    now = utcnow()
    refresh = fake_linkedin.desk.new_refresh(MEMBER_SCOPES, 365 * 86400).value
    old = fake_linkedin.token(MEMBER_SCOPES)
    connector = connect(
        fake_linkedin,
        options,
        token=old,
        refresh_token=refresh,
        expires_at=iso(now + timedelta(days=2)),
        refresh_expires_at=iso(now + timedelta(days=300)),
    )
    assert connector.credentials_expire_at() == (now + timedelta(days=2)).replace(microsecond=0)
    connector.publish(make_request())  # within 7 days of expiry: renewed first
    assert fake_linkedin.desk.refreshes == 1
    assert connector.state["access_token"] != old
    renewed = connector.credentials_expire_at()
    assert renewed is not None and renewed > now + timedelta(days=59)
    assert connector.state["refresh_token"] == refresh  # LinkedIn keeps the refresh token
    assert (
        fake_linkedin.requests_to("/rest/posts", "POST")[0].bearer
        == connector.state["access_token"]
    )


def test_revoked_refresh_token_is_an_auth_error(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions
) -> None:
    refresh = fake_linkedin.desk.new_refresh(MEMBER_SCOPES, 86400).value
    connector = connect(fake_linkedin, options, refresh_token=refresh)
    fake_linkedin.desk.revoke_all()
    with pytest.raises(AuthError, match="invalid, expired or revoked"):
        connector.refresh_credentials(now=utcnow())


def test_a_refresh_token_past_its_year_is_not_used(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions
) -> None:
    refresh = fake_linkedin.desk.new_refresh(MEMBER_SCOPES, 86400).value
    connector = connect(
        fake_linkedin,
        options,
        refresh_token=refresh,
        refresh_expires_at=iso(utcnow() - timedelta(minutes=1)),
    )
    assert connector.refresh_credentials(now=utcnow()) is False
    assert fake_linkedin.requests == []


def test_without_a_refresh_token_there_is_nothing_to_renew(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions
) -> None:
    connector = connect(fake_linkedin, options, expires_at="2030-01-01T00:00:00Z")
    assert connector.refresh_credentials(now=utcnow()) is False
    assert connector.credentials_expire_at() is not None
    assert fake_linkedin.requests == []


def test_validate_config() -> None:
    assert LinkedInConnector.oauth_only is True
    with pytest.raises(ConfigError) as caught:
        LinkedInConnector.validate_config({"author_urn": "someone", "access_token": "t"})
    assert "author_urn" in caught.value.fields
