from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.bluesky import TID, TID_ALPHABET, BlueskyConnector, new_tid
from planner.connectors.errors import (
    AuthError,
    ConfigError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.http import HttpClient
from tests.fakes import FakeBluesky, closed_port_url

Build = Callable[..., PublishRequest]
THUMB = "\U0001f44d\U0001f3fd"  # 1 grapheme, 2 code points, 8 bytes
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 1 grapheme, 18 bytes
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def connect(
    fake: FakeBluesky,
    options: ConnectorOptions,
    *,
    password: str = "abcd-efgh-ijkl-mnop",
    state: dict[str, Any] | None = None,
) -> BlueskyConnector:
    config = {"service_url": fake.url, "handle": "shop.bsky.social", "app_password": password}
    return BlueskyConnector(config, state=state, options=options)


@pytest.fixture
def bsky_request(make_request: Build) -> Build:
    """Build requests whose idempotency key is a fresh TID, as the worker would."""

    def build(**overrides: Any) -> PublishRequest:
        overrides.setdefault("idempotency_key", BlueskyConnector.new_idempotency_key(NOW))
        return make_request(**overrides)

    return build


def decode_tid(tid: str) -> int:
    value = 0
    for char in tid:
        value = value * 32 + TID_ALPHABET.index(char)
    return value


def test_new_tid_encodes_microseconds_and_sorts_by_time() -> None:
    tid = new_tid(NOW, clock_id=5)
    assert TID.match(tid)
    assert decode_tid(tid) == (int(NOW.timestamp()) * 1_000_000) << 10 | 5
    assert new_tid(NOW + timedelta(microseconds=1)) > new_tid(NOW, clock_id=1023)
    assert BlueskyConnector.new_idempotency_key(NOW) != BlueskyConnector.new_idempotency_key(NOW)


def test_check_logs_in_and_keeps_the_session(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    connector = connect(fake_bluesky, options)
    assert connector.check() == "@shop.bsky.social"
    assert connector.state_changed
    assert {"accessJwt", "refreshJwt", "did", "handle"} <= set(connector.state)
    saved = connect(fake_bluesky, options, state=connector.state)
    assert saved.check() == "@shop.bsky.social"
    assert not saved.state_changed
    assert fake_bluesky.sessions_created == 1


def test_wrong_app_password_is_an_auth_error(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    with pytest.raises(AuthError, match="Invalid identifier or password"):
        connect(fake_bluesky, options, password="zzzz-zzzz-zzzz-zzzz").check()


def test_publish_creates_the_post_at_the_delivery_key(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    request = bsky_request(link="https://shop.example/menu")
    result = connect(fake_bluesky, options).publish(request)
    [post] = fake_bluesky.posts
    assert post["rkey"] == request.idempotency_key
    assert post["record"]["text"] == "Fresh sourdough today\nhttps://shop.example/menu"
    assert post["record"]["createdAt"].endswith("Z")
    assert result.external_id == post["uri"]
    assert result.external_url == (
        f"https://bsky.app/profile/shop.bsky.social/post/{request.idempotency_key}"
    )


def test_session_is_reused_across_publishes(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    state: dict[str, Any] | None = None
    for _ in range(3):
        # A new connector per post, as the worker builds them, with the saved state.
        connector = connect(fake_bluesky, options, state=state)
        connector.publish(bsky_request())
        state = connector.state
    assert fake_bluesky.sessions_created == 1
    assert len(fake_bluesky.posts) == 3


def test_expired_access_token_is_refreshed(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    connector.publish(bsky_request())
    old = dict(connector.state)
    fake_bluesky.expire_access_tokens()
    connector.state_changed = False
    connector.publish(bsky_request())
    assert fake_bluesky.refresh_count == 1
    assert fake_bluesky.sessions_created == 1
    assert connector.state_changed
    assert connector.state["accessJwt"] != old["accessJwt"]
    assert connector.state["refreshJwt"] != old["refreshJwt"]
    assert len(fake_bluesky.posts) == 2


def test_expired_refresh_token_logs_in_again(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    connector.check()
    fake_bluesky.expire_access_tokens()
    fake_bluesky.expire_refresh_tokens()
    connector.publish(bsky_request())
    assert fake_bluesky.sessions_created == 2
    assert len(fake_bluesky.posts) == 1


def test_expired_session_with_a_changed_password_is_an_auth_error(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    connector.check()
    fake_bluesky.expire_access_tokens()
    fake_bluesky.expire_refresh_tokens()
    fake_bluesky.password = "new0-pass-word-0000"
    with pytest.raises(AuthError):
        connector.publish(bsky_request())
    assert fake_bluesky.posts == []


def test_session_of_another_account_is_not_reused(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    connector = connect(fake_bluesky, options)
    connector.check()
    stale = {**connector.state, "identifier": "old.bsky.social"}
    connect(fake_bluesky, options, state=stale).check()
    assert fake_bluesky.sessions_created == 2


def test_retry_after_a_reset_finds_the_post_instead_of_posting_twice(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    request = bsky_request()
    fake_bluesky.reset_next(path="createRecord")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(request)
    assert caught.value.safe_to_retry is True
    result = connector.publish(bsky_request(idempotency_key=request.idempotency_key, attempt=2))
    assert len(fake_bluesky.posts) == 1
    assert len(fake_bluesky.requests_to("createRecord")) == 1
    assert result.external_url is not None
    assert result.external_url.endswith(request.idempotency_key)


def test_retry_creates_the_post_when_the_first_try_did_not_land(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    request = bsky_request()
    fake_bluesky.reset_next(path="createRecord", landed=False)
    with pytest.raises(UnknownOutcomeError):
        connector.publish(request)
    connector.publish(bsky_request(idempotency_key=request.idempotency_key, attempt=2))
    assert [post["rkey"] for post in fake_bluesky.posts] == [request.idempotency_key]


def test_a_500_for_an_existing_key_is_treated_as_published(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    request = bsky_request()
    first = connector.publish(request)
    # Even a retry that wrongly claims to be the first attempt must not fail or duplicate.
    assert connector.publish(request) == first
    assert len(fake_bluesky.posts) == 1
    assert len(fake_bluesky.requests_to("getRecord")) == 1


def test_a_5xx_without_a_post_is_transient(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    fake_bluesky.fail_next(502, "Bad Gateway", {"Retry-After": "5"}, path="createRecord")
    with pytest.raises(TransientError) as caught:
        connect(fake_bluesky, options).publish(bsky_request())
    assert caught.value.retry_after == 5
    assert len(fake_bluesky.requests_to("getRecord")) == 1


def test_slow_reply_is_safe_to_retry(
    fake_bluesky: FakeBluesky, slow_options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, slow_options)
    connector.check()
    request = bsky_request()
    fake_bluesky.delay_next(2, path="createRecord")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(request)
    assert caught.value.safe_to_retry is True
    connector.publish(bsky_request(idempotency_key=request.idempotency_key, attempt=2))
    assert len(fake_bluesky.posts) == 1


def test_login_rate_limit_is_transient(options: ConnectorOptions, bsky_request: Build) -> None:
    with FakeBluesky(session_limit=0) as fake:
        with pytest.raises(TransientError) as caught:
            connect(fake, options).publish(bsky_request())
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and 290 < caught.value.retry_after <= 300


def test_refused_connection_is_transient(options: ConnectorOptions, bsky_request: Build) -> None:
    config = {
        "service_url": closed_port_url(),
        "handle": "a.b.c",
        "app_password": "abcd-efgh-ijkl-mnop",
    }
    with pytest.raises(TransientError):
        BlueskyConnector(config, options=options).publish(bsky_request())


def test_300_skin_tone_emoji_fit_and_301_do_not(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    assert connector.count(THUMB * 300) == 300
    assert connector.check_length(THUMB * 300) is None
    assert connector.check_length(THUMB * 301) == "301 of 300 characters on Bluesky"
    connector.publish(bsky_request(text=THUMB * 300))
    assert fake_bluesky.posts[0]["record"]["text"] == THUMB * 300
    with pytest.raises(PermanentError, match="301 of 300 characters"):
        connector.publish(bsky_request(text=THUMB * 301))
    assert len(fake_bluesky.requests_to("createRecord")) == 1


def test_byte_limit_is_checked_too(fake_bluesky: FakeBluesky, options: ConnectorOptions) -> None:
    connector = connect(fake_bluesky, options)
    assert connector.check_length(FAMILY * 166) is None
    assert connector.check_length(FAMILY * 167) == "3006 of 3000 bytes on Bluesky"


def test_fake_refuses_301_graphemes_like_the_real_pds(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    connector = connect(fake_bluesky, options)
    connector.check()
    body = {
        "repo": connector.state["did"],
        "collection": "app.bsky.feed.post",
        "record": {
            "$type": "app.bsky.feed.post",
            "text": THUMB * 301,
            "createdAt": "2025-03-14T09:30:00.000Z",
        },
    }
    headers = {"Authorization": f"Bearer {connector.state['accessJwt']}"}
    url = f"{fake_bluesky.url}/xrpc/com.atproto.repo.createRecord"
    with pytest.raises(PermanentError, match="grapheme too big"):
        HttpClient(options).request("POST", url, json=body, headers=headers)


def test_link_facets_point_at_the_url_bytes(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connect(fake_bluesky, options).publish(
        bsky_request(text=f"{THUMB}{FAMILY} New menu #brunch", link="https://shop.example/menu")
    )
    record = fake_bluesky.posts[0]["record"]
    encoded = record["text"].encode()
    spans = {
        feature["$type"]: encoded[facet["index"]["byteStart"] : facet["index"]["byteEnd"]]
        for facet in record["facets"]
        for feature in facet["features"]
    }
    assert spans == {
        "app.bsky.richtext.facet#tag": b"#brunch",
        "app.bsky.richtext.facet#link": b"https://shop.example/menu",
    }


def test_a_key_that_is_not_a_tid_is_refused(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="new_idempotency_key"):
        connect(fake_bluesky, options).publish(make_request(idempotency_key="0123abcd"))
    assert fake_bluesky.requests == []


def test_validate_config() -> None:
    cleaned = BlueskyConnector.validate_config(
        {"handle": " @Shop.bsky.social ", "app_password": "ABCD-efgh-ijkl-mnop"}
    )
    assert cleaned == {
        "service_url": "https://bsky.social",
        "handle": "shop.bsky.social",
        "app_password": "abcd-efgh-ijkl-mnop",
    }
    with pytest.raises(ConfigError) as caught:
        BlueskyConnector.validate_config({"handle": "shop", "app_password": "my main password"})
    assert set(caught.value.fields) == {"handle", "app_password"}
    assert BlueskyConnector.secret_fields == ("app_password",)
