"""Bluesky images: each uploaded as a blob under a million bytes, embedded with alt and shape."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PIL import Image

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.bluesky import BlueskyConnector, new_tid
from planner.connectors.errors import PermanentError, UnknownOutcomeError
from planner.connectors.http import HttpClient
from tests.fakes import FakeBluesky
from tests.fakes.images import has_gps, jpeg, media_item

Build = Callable[..., PublishRequest]
RKEY = new_tid(datetime(2025, 3, 14, 9, 0, tzinfo=UTC), clock_id=7)


def connect(fake: FakeBluesky, options: ConnectorOptions) -> BlueskyConnector:
    config = {"service_url": fake.url, "handle": fake.handle, "app_password": fake.password}
    return BlueskyConnector(config, options=options)


@pytest.fixture
def bsky_request(make_request: Build) -> Build:
    return lambda **values: make_request(idempotency_key=RKEY, **values)


def test_images_are_uploaded_as_blobs_and_embedded_with_alt_and_aspect_ratio(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    media = (media_item("The croissants"), media_item("The shop front", width=40, height=30))
    connect(fake_bluesky, options).publish(bsky_request(media=media))
    uploads = fake_bluesky.requests_to("com.atproto.repo.uploadBlob", "POST")
    assert [u.headers["content-type"] for u in uploads] == ["image/png", "image/png"]
    [post] = fake_bluesky.posts
    embed = post["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [image["alt"] for image in embed["images"]] == ["The croissants", "The shop front"]
    assert embed["images"][0]["aspectRatio"] == {"width": 40, "height": 30}
    assert fake_bluesky.image_data(post) == [media[0].data, media[1].data]


def test_a_big_photo_is_sent_under_a_million_bytes_without_gps(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    original = jpeg(2400, 1800, gps=True)
    assert len(original) > 1_000_000
    item = media_item(data=original, mime="image/jpeg", width=2400, height=1800)
    connect(fake_bluesky, options).publish(bsky_request(media=(item,)))
    [post] = fake_bluesky.posts
    [sent] = fake_bluesky.image_data(post)
    assert len(sent) <= 1_000_000
    assert not has_gps(sent)
    with Image.open(io.BytesIO(sent)) as picture:
        ratio = post["record"]["embed"]["images"][0]["aspectRatio"]
        assert ratio == {"width": picture.width, "height": picture.height}
        assert picture.width <= 2000
        assert picture.width / picture.height == pytest.approx(4 / 3, rel=0.01)


def test_the_fake_refuses_a_blob_over_a_million_bytes_like_the_pds(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    client = HttpClient(options)
    xrpc = f"{fake_bluesky.url}/xrpc"
    login = {"identifier": fake_bluesky.handle, "password": fake_bluesky.password}
    session = client.request("POST", f"{xrpc}/com.atproto.server.createSession", json=login)
    auth = {"Authorization": f"Bearer {session.json_object()['accessJwt']}"}
    blob = client.request(
        "POST",
        f"{xrpc}/com.atproto.repo.uploadBlob",
        data=jpeg(2400, 1800),
        headers={**auth, "Content-Type": "image/jpeg"},
    ).json_object()["blob"]
    record = {
        "$type": "app.bsky.feed.post",
        "text": "Too big",
        "createdAt": "2025-03-14T09:00:00.000Z",
        "embed": {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": ""}]},
    }
    body = {"repo": fake_bluesky.did, "collection": "app.bsky.feed.post", "record": record}
    with pytest.raises(PermanentError, match="file too large"):
        client.request("POST", f"{xrpc}/com.atproto.repo.createRecord", json=body, headers=auth)


def test_five_images_are_refused_before_anything_is_uploaded(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    assert connector.check_images(4) is None
    with pytest.raises(PermanentError, match=r"Bluesky takes at most 4 images; this post has 5\."):
        connector.publish(bsky_request(media=(media_item(),) * 5))
    assert fake_bluesky.requests == []


def test_a_lost_reply_to_the_post_never_makes_a_second_post(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    media = (media_item("One"), media_item("Two"))
    fake_bluesky.reset_next(path="createRecord")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(bsky_request(media=media))
    assert caught.value.safe_to_retry is True
    result = connector.publish(bsky_request(media=media, attempt=2))
    [post] = fake_bluesky.posts
    assert result.external_id == post["uri"]
    assert len(post["record"]["embed"]["images"]) == 2
    assert len(fake_bluesky.requests_to("createRecord", "POST")) == 1


def test_a_retry_after_a_lost_reply_before_landing_uploads_again_and_posts_once(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    fake_bluesky.reset_next(path="createRecord", landed=False)
    with pytest.raises(UnknownOutcomeError):
        connector.publish(bsky_request(media=(media_item(),)))
    connector.publish(bsky_request(media=(media_item(),), attempt=2))
    assert len(fake_bluesky.posts) == 1
    assert len(fake_bluesky.requests_to("uploadBlob", "POST")) == 2
