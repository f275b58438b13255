"""The Google Business Profile connector against the fake: local posts, offers, hourly tokens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from planner.connectors.base import ConnectorOptions, MediaItem, OAuthApp, PublishRequest
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.google_business import GoogleBusinessConnector
from planner.connectors.tokens import iso
from planner.timeutils import utcnow
from tests.fakes.google_business import FakeGoogleBusiness

Build = Callable[..., PublishRequest]
LOCATION = "locations/4321"


def connect(
    fake: FakeGoogleBusiness, options: ConnectorOptions, *, fresh: bool = True, **config: object
) -> GoogleBusinessConnector:
    options = dataclasses.replace(
        options,
        host_overrides=fake.overrides,
        oauth_apps={"google": OAuthApp(fake.desk.client_id, fake.desk.client_secret)},
    )
    access, refresh = fake.tokens()
    values: dict[str, object] = {
        "account": fake.account,
        "location": LOCATION,
        "title": "High Street",
        "refresh_token": refresh,
    }
    if fresh:
        values |= {"access_token": access, "expires_at": iso(utcnow() + timedelta(minutes=59))}
    return GoogleBusinessConnector({**values, **config}, options=options)


def photo(url: str | None = "https://media.example/loaf.jpg") -> MediaItem:
    return MediaItem(data=b"jpeg", mime="image/jpeg", width=1200, height=900, url=url)


def test_standard_post_with_learn_more_and_a_photo(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options)
    result = connector.publish(
        make_request(text="Fresh rye", link="https://bakery.example/rye", media=(photo(),))
    )
    [post] = fake_google_business.posts
    assert post["topicType"] == "STANDARD"
    assert post["summary"] == "Fresh rye"  # the link is on the button, not in the text
    assert post["callToAction"] == {"actionType": "LEARN_MORE", "url": "https://bakery.example/rye"}
    assert post["media"] == [
        {"mediaFormat": "PHOTO", "sourceUrl": "https://media.example/loaf.jpg"}
    ]
    assert post["languageCode"] == "en"
    assert result.external_id == post["name"]
    assert result.external_url == post["searchUrl"]
    assert fake_google_business.desk.refreshes == 0  # the token was still fresh


@pytest.mark.parametrize(
    ("choice", "link", "button", "summary"),
    [
        (
            "ORDER",
            "https://b.example/o",
            {"actionType": "ORDER", "url": "https://b.example/o"},
            "Hi",
        ),
        ("SHOP", "https://b.example/s", {"actionType": "SHOP", "url": "https://b.example/s"}, "Hi"),
        ("CALL", "https://b.example/c", {"actionType": "CALL"}, "Hi\nhttps://b.example/c"),
        ("CALL", None, {"actionType": "CALL"}, "Hi"),
        ("NONE", "https://b.example/n", None, "Hi\nhttps://b.example/n"),
        ("LEARN_MORE", None, None, "Hi"),
    ],
)
def test_call_to_action_follows_the_channel_setting(
    fake_google_business: FakeGoogleBusiness,
    options: ConnectorOptions,
    make_request: Build,
    choice: str,
    link: str | None,
    button: dict[str, str] | None,
    summary: str,
) -> None:
    connector = connect(fake_google_business, options, call_to_action=choice.lower())
    connector.publish(make_request(text="Hi", link=link))
    [post] = fake_google_business.posts
    assert post.get("callToAction") == button
    assert post["summary"] == summary
    assert connector.count("Hi", link) == len(summary)


def test_promotion_goes_as_an_offer_when_the_channel_says_so(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options, promotions_as_offers="on")
    connector.publish(
        make_request(
            text="Two for one on croissants\nAll weekend",
            link="https://bakery.example/offer",
            category="promotional",
            scheduled_at=datetime(2026, 12, 28, 9, 0, tzinfo=UTC),
        )
    )
    [post] = fake_google_business.posts
    assert post["topicType"] == "OFFER"
    assert post["offer"] == {"redeemOnlineUrl": "https://bakery.example/offer"}
    assert post["event"] == {
        "title": "Two for one on croissants",
        "schedule": {
            "startDate": {"year": 2026, "month": 12, "day": 28},
            "endDate": {"year": 2027, "month": 1, "day": 4},
        },
    }
    assert "callToAction" not in post


def test_promotion_stays_standard_without_the_choice(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connect(fake_google_business, options).publish(make_request(category="promotional"))
    assert fake_google_business.posts[0]["topicType"] == "STANDARD"


def test_limits_are_1500_characters_and_one_photo(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options)
    assert connector.check_length("x" * 1500) is None
    assert (
        connector.check_length("x" * 1501) == "1501 of 1500 characters on Google Business Profile"
    )
    with pytest.raises(PermanentError, match="at most 1 image"):
        connector.publish(make_request(media=(photo(), photo())))
    with pytest.raises(PermanentError, match="public address"):
        connector.publish(make_request(media=(photo(url=None),)))
    assert fake_google_business.posts == []


def test_an_expired_access_token_is_renewed_before_publishing(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options, fresh=False)
    connector.publish(make_request())
    assert fake_google_business.desk.refreshes == 1
    assert connector.state_changed
    token = connector.state["access_token"]
    assert fake_google_business.requests_to("/localPosts", "POST")[0].bearer == token
    expires = connector.state["expires_at"]
    # Within the hour the renewed token is reused.
    connector.publish(make_request(idempotency_key="k2", text="Second"))
    assert fake_google_business.desk.refreshes == 1
    assert connector.state["expires_at"] == expires
    assert len(fake_google_business.posts) == 2


def test_upkeep_renews_the_hourly_token_near_its_end(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions
) -> None:
    now = utcnow()
    connector = connect(fake_google_business, options, expires_at=iso(now + timedelta(minutes=4)))
    expires = connector.credentials_expire_at()
    assert expires is not None and expires - now <= connector.refresh_margin
    assert connector.refresh_credentials(now=now) is True
    renewed = connector.credentials_expire_at()
    assert renewed is not None and renewed > now + timedelta(minutes=59)
    assert fake_google_business.desk.valid(connector.state["access_token"]) is not None


def test_a_401_renews_once_and_sends_again(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options)
    fake_google_business.desk.expire(connector.config["access_token"])  # dead before its hour
    connector.publish(make_request())
    assert fake_google_business.desk.refreshes == 1
    assert len(fake_google_business.posts) == 1


def test_a_revoked_grant_is_an_auth_error(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options, fresh=False)
    fake_google_business.desk.revoke_all()
    with pytest.raises(AuthError, match="Token has been expired or revoked"):
        connector.publish(make_request())
    assert fake_google_business.posts == []


def test_permission_denied_is_an_auth_error(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    fake_google_business.forbidden_locations.add(LOCATION)
    with pytest.raises(AuthError, match="does not have permission") as caught:
        connect(fake_google_business, options).publish(make_request())
    assert caught.value.status == 403


def test_resource_exhausted_is_transient(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    fake_google_business.fail_next(
        429,
        {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}},
        path="/localPosts",
    )
    with pytest.raises(TransientError, match="Quota exceeded"):
        connect(fake_google_business, options).publish(make_request())


def test_invalid_argument_keeps_googles_message(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options, language_code="")
    connector.config["language_code"] = ""  # a channel saved before the default existed
    with pytest.raises(PermanentError, match="invalid argument") as caught:
        connector.publish(make_request())
    assert caught.value.status == 400


def test_lost_reply_then_retry_finds_the_post(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options)
    fake_google_business.lose_reply_after_posting()
    request = make_request(text="Only once", scheduled_at=utcnow())
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(request)
    assert caught.value.safe_to_retry
    result = connector.publish(dataclasses.replace(request, attempt=2))
    [post] = fake_google_business.posts
    assert result.external_id == post["name"]
    assert result.external_url == post["searchUrl"]


def test_an_older_post_with_the_same_text_is_not_taken_for_this_one(
    fake_google_business: FakeGoogleBusiness, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_google_business, options)
    connector.publish(make_request(text="Weekly special", idempotency_key="last-week"))
    later = utcnow() + timedelta(minutes=10)
    connector.publish(make_request(text="Weekly special", scheduled_at=later, attempt=2))
    assert len(fake_google_business.posts) == 2


def test_validate_config() -> None:
    assert GoogleBusinessConnector.oauth_only is True
    with pytest.raises(ConfigError) as caught:
        GoogleBusinessConnector.validate_config(
            {"account": "1", "location": "locations/2", "call_to_action": "dance"}
        )
    assert set(caught.value.fields) == {"account", "refresh_token", "call_to_action"}
    cleaned = GoogleBusinessConnector.validate_config(
        {"account": "accounts/1", "location": "locations/2", "refresh_token": "r"}
    )
    assert cleaned["call_to_action"] == "LEARN_MORE"
    assert cleaned["promotions_as_offers"] is False
