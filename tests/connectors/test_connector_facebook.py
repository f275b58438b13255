"""Facebook Pages: text and links to the feed, photos by URL, one post per delivery."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from planner.connectors.base import ConfigError, ConnectorOptions, PublishRequest
from planner.connectors.errors import (
    AuthError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.facebook import FacebookConnector
from planner.connectors.registry import CONNECTORS
from tests.fakes import FakeMeta, ImageHost
from tests.fakes.images import jpeg, media_item

Build = Callable[..., PublishRequest]


def connect(fake: FakeMeta, options: ConnectorOptions, page_id: str = "1001") -> FacebookConnector:
    """The connector of *page_id* with its Page token, Graph's host sent to the fake."""
    options = dataclasses.replace(options, host_overrides={"graph.facebook.com": fake.url})
    page = fake.page(page_id)
    return FacebookConnector(
        {"page_id": page.id, "page_name": page.name, "access_token": page.token}, options=options
    )


def photo(host: ImageHost, alt: str = "A loaf", *, width: int = 800, height: int = 600):
    data = jpeg(width, height)
    return media_item(
        alt,
        data=data,
        mime="image/jpeg",
        width=width,
        height=height,
        url=host.put(data, "image/jpeg"),
    )


def test_registered_as_an_oauth_only_platform() -> None:
    assert CONNECTORS["facebook"] is FacebookConnector
    assert FacebookConnector.oauth_only is True
    assert FacebookConnector.secret_fields == ("access_token",)
    with pytest.raises(ConfigError) as caught:
        FacebookConnector.validate_config({"page_id": "not-a-page"})
    assert set(caught.value.fields) == {"page_id", "access_token"}


def test_text_and_link_go_to_the_feed_and_the_permalink_is_recorded(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    result = connect(fake_meta, options).publish(
        make_request(text="Fresh sourdough today", link="https://bakery.example/bread")
    )
    [post] = fake_meta.posts
    assert post["message"] == "Fresh sourdough today"
    assert post["link"] == "https://bakery.example/bread"
    assert result.external_id == post["id"]
    assert result.external_url == post["permalink_url"]
    [sent] = fake_meta.requests_to("/1001/feed", "POST")
    assert sent.path.startswith("/v25.0/")
    assert sent.bearer == fake_meta.page("1001").token
    assert "access_token" not in sent.query
    # Read-after-write: the permalink came with the answer; no second request read it.
    assert sent.json["fields"] == "id,permalink_url"
    assert [r.method for r in fake_meta.requests] == ["POST"]


def test_one_photo_is_posted_by_url_with_the_message_as_caption(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    image = photo(image_host)
    result = connect(fake_meta, options).publish(
        make_request(text="Rye loaves", link="https://bakery.example/rye", media=(image,))
    )
    [post] = fake_meta.posts
    assert post["message"] == "Rye loaves\nhttps://bakery.example/rye"
    assert len(post["photos"]) == 1
    assert fake_meta.downloads == [(image.url, 200)]
    assert result.external_url == post["permalink_url"]
    assert fake_meta.requests_to("/feed", "POST") == []


def test_several_photos_are_uploaded_unpublished_then_attached_to_one_post(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    images = (photo(image_host, "Buns"), photo(image_host, "Tarts"), photo(image_host, "Pies"))
    connect(fake_meta, options).publish(make_request(media=images))
    uploads = fake_meta.requests_to("/1001/photos", "POST")
    assert [u.json["published"] for u in uploads] == [False] * 3
    assert [u.json["alt_text_custom"] for u in uploads] == ["Buns", "Tarts", "Pies"]
    [post] = fake_meta.posts
    [feed] = fake_meta.requests_to("/1001/feed", "POST")
    assert feed.json["attached_media"] == [{"media_fbid": pid} for pid in post["photos"]]
    assert len(post["photos"]) == 3


def test_an_image_without_an_address_is_refused_before_anything_is_sent(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="PLANNER_BASE_URL"):
        connect(fake_meta, options).publish(make_request(media=(media_item(),)))
    assert fake_meta.requests == []


def test_a_reply_lost_after_the_post_was_made_is_found_on_retry_not_posted_twice(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_meta, options)
    fake_meta.reset_next(path="/1001/feed")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(make_request())
    assert caught.value.safe_to_retry is True
    assert len(fake_meta.posts) == 1
    # The worker saves the state and tries again with the next attempt number.
    retry = FacebookConnector(connector.config, state=connector.state, options=connector.options)
    result = retry.publish(make_request(attempt=2))
    [post] = fake_meta.posts
    assert result.external_id == post["id"]
    assert result.external_url == post["permalink_url"]
    assert len(fake_meta.requests_to("/1001/feed", "POST")) == 1
    assert "first_attempts" in retry.state and retry.state["first_attempts"] == {}


def test_a_retry_sends_when_the_lost_request_never_made_a_post(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_meta, options)
    fake_meta.reset_next(path="/1001/feed", landed=False)
    with pytest.raises(UnknownOutcomeError):
        connector.publish(make_request())
    assert fake_meta.posts == []
    retry = FacebookConnector(connector.config, state=connector.state, options=connector.options)
    retry.publish(make_request(attempt=2))
    assert len(fake_meta.posts) == 1
    assert len(fake_meta.requests_to("/1001/published_posts", "GET")) == 1


def test_a_revoked_token_is_an_auth_error(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.revoke(fake_meta.page("1001").token)
    with pytest.raises(AuthError, match="Reconnect") as caught:
        connect(fake_meta, options).publish(make_request())
    assert caught.value.code == "190/460"
    assert fake_meta.posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_wait_as_long_as_meta_says(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build, code: int
) -> None:
    fake_meta.rate_limit(code)
    with pytest.raises(TransientError) as caught:
        connect(fake_meta, options).publish(make_request())
    assert caught.value.retry_after == 7 * 60  # estimated_time_to_regain_access, in minutes
    assert caught.value.code == str(code)
    assert fake_meta.posts == []


def test_check_names_the_page(fake_meta: FakeMeta, options: ConnectorOptions) -> None:
    assert connect(fake_meta, options, "1002").check() == "Corner Bakery Events"


def test_a_delivery_that_went_well_leaves_no_state_to_save(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    first = connect(fake_meta, options)
    first.publish(make_request(delivery_id=1, text="one"))
    # The attempt marker was set and dropped: the worker saves only what is now different.
    assert first.state == {"first_attempts": {}}
    saved = FacebookConnector(dict(first.config), state=first.state, options=first.options)
    saved.publish(make_request(delivery_id=2, text="two"))
    assert not saved.state_changed
    assert len(fake_meta.posts) == 2
