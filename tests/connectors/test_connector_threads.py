"""The Threads connector against the loopback fake: containers, quota, tokens, exactly once."""

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
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.threads import ThreadsConnector
from planner.connectors.tokens import iso
from planner.timeutils import utcnow
from tests.fakes.threads import FakeThreads

Build = Callable[..., PublishRequest]


def connect(
    fake: FakeThreads, options: ConnectorOptions, token: str | None = None, **config: str
) -> ThreadsConnector:
    options = dataclasses.replace(
        options,
        host_overrides=fake.overrides,
        oauth_apps={"threads": OAuthApp(fake.desk.client_id, fake.desk.client_secret)},
    )
    values = {"user_id": fake.user_id, "username": fake.username}
    values["access_token"] = token or fake.long_lived_token()
    return ThreadsConnector({**values, **config}, options=options)


def image(url: str | None = "https://media.example/a.jpg", alt: str = "") -> MediaItem:
    return MediaItem(data=b"jpeg", mime="image/jpeg", width=1080, height=1350, alt=alt, url=url)


def test_text_post_goes_through_a_container_and_records_the_permalink(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.container_polls = 2  # the container is IN_PROGRESS twice before FINISHED
    connector = connect(fake_threads, options)
    result = connector.publish(make_request(text="Fresh sourdough", link="https://bakery.example"))
    [post] = fake_threads.posts
    assert post["text"] == "Fresh sourdough\nhttps://bakery.example"
    assert post["media_type"] == "TEXT"
    assert result.external_id == post["id"]
    assert result.external_url == post["permalink"]
    polls = [r for r in fake_threads.requests if r.query.get("fields") == "status,error_message"]
    assert len(polls) == 3
    publish = fake_threads.requests_to("/threads_publish", "POST")[0]
    assert "access_token" not in publish.query  # the token travels in the body, not the URL


def test_one_image_and_a_carousel(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_threads, options)
    connector.publish(make_request(media=(image(alt="A loaf"),)))
    connector.publish(
        make_request(
            idempotency_key="key-8",
            text="Three loaves",
            media=(image("https://m/1.jpg"), image("https://m/2.jpg"), image("https://m/3.jpg")),
        )
    )
    single, carousel = fake_threads.posts
    assert (single["media_type"], single["image_urls"], single["alt_text"]) == (
        "IMAGE",
        ["https://media.example/a.jpg"],
        "A loaf",
    )
    assert carousel["media_type"] == "CAROUSEL_ALBUM"
    assert carousel["image_urls"] == ["https://m/1.jpg", "https://m/2.jpg", "https://m/3.jpg"]


def test_images_without_a_public_address_are_refused(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="public address"):
        connect(fake_threads, options).publish(make_request(media=(image(url=None),)))
    assert fake_threads.posts == []


def test_webp_is_refused_before_anything_is_made(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    webp = dataclasses.replace(image(), mime="image/webp")
    with pytest.raises(PermanentError, match="JPEG or PNG"):
        connect(fake_threads, options).publish(make_request(media=(webp,)))
    assert fake_threads.containers == {}


def test_limits_are_500_characters_and_10_images(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_threads, options)
    assert connector.check_length("x" * 500) is None
    assert connector.check_length("x" * 501) == "501 of 500 characters on Threads"
    assert connector.check_images(10) is None
    with pytest.raises(PermanentError, match="Too long"):
        connector.publish(make_request(text="x" * 501))
    with pytest.raises(PermanentError, match="at most 10 images"):
        connector.publish(make_request(media=tuple(image() for _ in range(11))))
    assert fake_threads.requests == []


def test_a_container_that_fails_keeps_threads_reason(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.container_error = "FAILED_DOWNLOADING_IMAGE"
    with pytest.raises(PermanentError, match="FAILED_DOWNLOADING_IMAGE"):
        connect(fake_threads, options).publish(make_request(media=(image(),)))
    assert fake_threads.posts == []


def test_a_container_still_in_progress_is_transient(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.container_polls = 50
    with pytest.raises(TransientError, match="still preparing"):
        connect(fake_threads, options).publish(make_request())
    assert fake_threads.posts == []


def test_a_used_up_daily_quota_waits_without_sending(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.quota_total = 2
    connector = connect(fake_threads, options)
    connector.publish(make_request(text="one"))
    connector.publish(make_request(text="two", idempotency_key="k2"))
    with pytest.raises(QuotaWait, match="2 posts in 24 hours") as caught:
        connector.publish(make_request(text="three", idempotency_key="k3"))
    assert caught.value.retry_after and caught.value.retry_after > 0
    assert [post["text"] for post in fake_threads.posts] == ["one", "two"]
    containers = [r for r in fake_threads.requests_to("/threads", "POST") if r.path.endswith("s")]
    assert len(containers) == 2  # no third container was made


def test_an_expired_token_is_an_auth_error(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    token = fake_threads.long_lived_token()
    fake_threads.desk.expire(token)
    with pytest.raises(AuthError, match="Session has expired") as caught:
        connect(fake_threads, options, token).publish(make_request())
    assert caught.value.code == "190"


def test_graph_rate_limit_is_transient(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.fail_next(
        400,
        {"error": {"message": "Application request limit reached", "code": 4}},
        path="/threads_publishing_limit",
    )
    with pytest.raises(TransientError, match="request limit") as caught:
        connect(fake_threads, options).publish(make_request())
    assert not isinstance(caught.value, QuotaWait)


def test_lost_reply_then_retry_finds_the_post_instead_of_posting_again(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_threads, options)
    fake_threads.lose_reply_after_publishing()
    request = make_request(text="Only once", scheduled_at=utcnow())
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(request)
    assert caught.value.safe_to_retry
    assert len(fake_threads.posts) == 1
    result = connector.publish(dataclasses.replace(request, attempt=2))
    [post] = fake_threads.posts
    assert result.external_id == post["id"]
    assert result.external_url == post["permalink"]
    assert connector.state["first_attempts"] == {}


def test_a_retry_whose_first_try_made_nothing_posts(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_threads, options)
    fake_threads.reset_next(path="/threads_publish$", landed=False)
    request = make_request(text="Sent on the retry", scheduled_at=utcnow())
    with pytest.raises(UnknownOutcomeError):
        connector.publish(request)
    assert fake_threads.posts == []
    connector.publish(dataclasses.replace(request, attempt=2))
    assert [post["text"] for post in fake_threads.posts] == ["Sent on the retry"]


def test_refresh_renews_the_long_lived_token(
    fake_threads: FakeThreads, options: ConnectorOptions
) -> None:
    now = utcnow()
    old = fake_threads.long_lived_token()
    connector = connect(fake_threads, options, old, expires_at=iso(now + timedelta(days=3)))
    assert connector.credentials_expire_at() == (now + timedelta(days=3)).replace(microsecond=0)
    assert connector.refresh_credentials(now=now) is True
    assert connector.state["access_token"] != old
    assert fake_threads.desk.valid(connector.state["access_token"]) is not None
    renewed = connector.credentials_expire_at()
    assert renewed is not None and renewed > now + timedelta(days=59)
    assert connector.state_changed


def test_publish_renews_a_token_close_to_expiry_first(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_threads, options, expires_at=iso(utcnow() + timedelta(days=2)))
    connector.publish(make_request())
    assert fake_threads.desk.refreshes == 1
    [publish] = fake_threads.requests_to("/threads_publish", "POST")
    assert f"access_token={connector.state['access_token']}".encode() in publish.body


def test_a_revoked_token_cannot_be_renewed(
    fake_threads: FakeThreads, options: ConnectorOptions
) -> None:
    connector = connect(fake_threads, options)
    fake_threads.desk.revoke_all()
    with pytest.raises(AuthError):
        connector.refresh_credentials(now=utcnow())


def test_check_names_the_profile(fake_threads: FakeThreads, options: ConnectorOptions) -> None:
    assert connect(fake_threads, options).check() == "@bakery"


def test_validate_config() -> None:
    assert ThreadsConnector.oauth_only is True
    with pytest.raises(ConfigError) as caught:
        ThreadsConnector.validate_config({"user_id": " "})
    assert set(caught.value.fields) == {"user_id", "access_token"}
    cleaned = ThreadsConnector.validate_config({"user_id": "1", "access_token": "t", "x": "y"})
    assert cleaned == {"user_id": "1", "access_token": "t"}


def test_a_ready_text_container_is_published_without_looking_at_its_status(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    result = connect(fake_threads, options).publish(make_request(text="Rye today"))
    [post] = fake_threads.posts
    assert result.external_id == post["id"]
    polls = [r for r in fake_threads.requests if r.query.get("fields") == "status,error_message"]
    assert polls == []


def test_a_burst_reads_the_quota_once_until_it_nears_the_limit(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    fake_threads.quota_total = 8  # 3 posts leave the margin of 5: the fourth asks again
    for n in range(1, 5):
        connect(fake_threads, options).publish(make_request(delivery_id=n, text=f"post {n}"))
    reads = fake_threads.requests_to("/threads_publishing_limit", "GET")
    assert len(reads) == 2
    assert len(fake_threads.posts) == 4


def test_a_quota_used_up_elsewhere_since_the_reading_waits_instead_of_failing(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request: Build
) -> None:
    connect(fake_threads, options).publish(make_request(delivery_id=1, text="one"))
    fake_threads.quota_total = 1  # posts from another app took the rest meanwhile
    with pytest.raises(QuotaWait, match="posts in 24 hours"):
        connect(fake_threads, options).publish(make_request(delivery_id=2, text="two"))
    assert [post["text"] for post in fake_threads.posts] == ["one"]
    with pytest.raises(QuotaWait):
        connect(fake_threads, options).publish(make_request(delivery_id=3, text="three"))
    assert len(fake_threads.requests_to("/threads_publishing_limit", "GET")) == 2
