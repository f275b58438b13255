from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.mastodon import MastodonConnector
from tests.fakes import FakeMastodon, closed_port_url

Build = Callable[..., PublishRequest]


def connect(
    fake: FakeMastodon, options: ConnectorOptions, token: str = "test-token", **state: object
) -> MastodonConnector:
    config = {"instance_url": fake.url, "access_token": token}
    return MastodonConnector(config, state=state or None, options=options)


def test_check_verifies_the_token_and_caches_limits(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    fake_mastodon.max_characters = 5000
    connector = connect(fake_mastodon, options)
    assert connector.check() == "@shop@127.0.0.1"
    assert connector.state == {
        "max_characters": 5000,
        "characters_reserved_per_url": 23,
        "max_media_attachments": 4,
        "image_size_limit": 16 * 1024 * 1024,
        "image_matrix_limit": 33_177_600,
    }
    assert connector.state_changed
    assert connector.limit() == 5000
    assert connector.check_length("x" * 600) is None
    assert connector.check_length("x" * 5001) == "5001 of 5000 characters on Mastodon"


def test_check_with_a_wrong_token_is_an_auth_error(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    with pytest.raises(AuthError, match="The access token is invalid") as caught:
        connect(fake_mastodon, options, token="wrong").check()
    assert caught.value.status == 401


def test_publish_posts_a_public_status_with_the_idempotency_key(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options)
    result = connector.publish(make_request(link="https://shop.example/bread"))
    [status] = fake_mastodon.posts
    assert status["text"] == "Fresh sourdough today\nhttps://shop.example/bread"
    assert status["visibility"] == "public"
    assert status["idempotency_key"] == "key-7"
    assert result.external_id == status["id"]
    assert result.external_url == status["url"]
    [post] = fake_mastodon.requests_to("/api/v1/statuses", "POST")
    assert post.headers["authorization"] == "Bearer test-token"


def test_publish_fetches_limits_once(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options)
    connector.publish(make_request())
    connector.publish(make_request(delivery_id=8, idempotency_key="key-8"))
    assert len(fake_mastodon.requests_to("/api/v2/instance")) == 1
    assert connector.state["max_characters"] == 500


def test_too_long_is_refused_before_sending(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options, max_characters=500)
    with pytest.raises(PermanentError, match="501 of 500 characters on Mastodon"):
        connector.publish(make_request(text="x" * 501))
    assert fake_mastodon.requests == []


def test_server_validation_error_keeps_the_platform_message(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    # Our cached limit is stale: the server's own 422 must reach the user verbatim.
    connector = connect(fake_mastodon, options, max_characters=5000)
    with pytest.raises(PermanentError) as caught:
        connector.publish(make_request(text="x" * 501))
    assert caught.value.message == "Validation failed: Text character limit of 500 exceeded"
    assert caught.value.status == 422


def test_publish_with_a_revoked_token_is_an_auth_error(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options, token="revoked", max_characters=500)
    with pytest.raises(AuthError):
        connector.publish(make_request())


def test_rate_limit_is_transient_with_retry_after(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    fake_mastodon.fail_next(
        429, {"error": "Too many requests"}, {"Retry-After": "120"}, path="/statuses"
    )
    with pytest.raises(TransientError) as caught:
        connect(fake_mastodon, options).publish(make_request())
    assert caught.value.retry_after == 120
    assert caught.value.message == "Too many requests"


def test_server_error_is_transient(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    fake_mastodon.fail_next(500, "<html>oops</html>", path="/statuses")
    with pytest.raises(TransientError):
        connect(fake_mastodon, options).publish(make_request())
    assert fake_mastodon.posts == []


def test_slow_reply_is_safe_to_retry_and_the_retry_posts_once(
    fake_mastodon: FakeMastodon, slow_options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, slow_options, max_characters=500)
    fake_mastodon.delay_next(2, path="/statuses")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(make_request())
    assert caught.value.safe_to_retry is True
    result = connector.publish(make_request(attempt=2))
    assert len(fake_mastodon.posts) == 1
    assert result.external_id == fake_mastodon.posts[0]["id"]


def test_reset_is_safe_to_retry_and_the_retry_posts_once(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options, max_characters=500)
    fake_mastodon.reset_next(path="/statuses")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(make_request())
    assert caught.value.safe_to_retry is True
    connector.publish(make_request(attempt=2))
    connector.publish(make_request(attempt=3))
    assert len(fake_mastodon.posts) == 1
    assert len(fake_mastodon.requests_to("/statuses", "POST")) == 3


def test_fake_forgets_idempotency_keys_after_an_hour(
    options: ConnectorOptions, make_request: Build
) -> None:
    now = [0.0]
    with FakeMastodon(clock=lambda: now[0]) as fake:
        connector = connect(fake, options, max_characters=500)
        connector.publish(make_request())
        now[0] = 3601
        connector.publish(make_request(attempt=2))
        assert len(fake.posts) == 2


def test_refused_connection_is_transient(options: ConnectorOptions, make_request: Build) -> None:
    config = {"instance_url": closed_port_url(), "access_token": "t"}
    connector = MastodonConnector(config, state={"max_characters": 500}, options=options)
    with pytest.raises(TransientError, match="connection refused"):
        connector.publish(make_request())


def test_loopback_instance_is_refused_by_default(
    fake_mastodon: FakeMastodon, make_request: Build
) -> None:
    port = fake_mastodon.url.rsplit(":", 1)[1]
    config = {"instance_url": f"https://127.0.0.1:{port}", "access_token": "test-token"}
    with pytest.raises(UnsafeDestinationError):
        MastodonConnector(config).check()
    assert fake_mastodon.requests == []


def test_redirect_is_not_followed(fake_mastodon: FakeMastodon, options: ConnectorOptions) -> None:
    fake_mastodon.fail_next(301, None, {"Location": "http://10.0.0.1/api/v1/accounts"})
    with pytest.raises(PermanentError, match="10.0.0.1"):
        connect(fake_mastodon, options).check()
    assert len(fake_mastodon.requests) == 1


def test_count_uses_23_per_url_and_short_mentions(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    connector = connect(fake_mastodon, options)
    long_link = "https://shop.example/" + "a" * 100
    assert connector.count("Hi @baker@bread.social", long_link) == len("Hi @baker\n") + 23
    assert connector.limit() == 500
    assert connector.check_length("x" * 476, long_link) is None
    assert (
        connector.check_length("x" * 476 + "👍🏽", long_link) == "501 of 500 characters on Mastodon"
    )


def test_count_follows_the_servers_url_width(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    connector = connect(fake_mastodon, options, characters_reserved_per_url=30)
    assert connector.count("https://a.io") == 30


def test_validate_config() -> None:
    cleaned = MastodonConnector.validate_config(
        {"instance_url": " Mastodon.Social/@shop ", "access_token": " abc ", "extra": 1}
    )
    assert cleaned == {"instance_url": "https://mastodon.social", "access_token": "abc"}
    with pytest.raises(ConfigError) as caught:
        MastodonConnector.validate_config({"instance_url": "ftp://x.org", "access_token": "a b"})
    assert set(caught.value.fields) == {"instance_url", "access_token"}
    assert MastodonConnector.secret_fields == ("access_token",)
