"""Mastodon images: uploaded with alt text, polled while processing, attached once."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import PermanentError, TransientError, UnknownOutcomeError
from planner.connectors.mastodon import MastodonConnector
from tests.fakes import FakeMastodon
from tests.fakes.images import jpeg, media_item

Build = Callable[..., PublishRequest]


def connect(fake: FakeMastodon, options: ConnectorOptions) -> MastodonConnector:
    return MastodonConnector(
        {"instance_url": fake.url, "access_token": "test-token"}, options=options
    )


def test_images_are_uploaded_with_alt_text_and_attached_in_order(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    media = (media_item("The croissants"), media_item("The shop front"))
    connect(fake_mastodon, options).publish(make_request(media=media))
    uploads = fake_mastodon.requests_to("/api/v2/media", "POST")
    assert [dict((p.name, p.filename) for p in u.form) for u in uploads] == [
        {"description": None, "file": "image.png"}
    ] * 2
    [status] = fake_mastodon.posts
    assert [item["description"] for item in status["media_attachments"]] == [
        "The croissants",
        "The shop front",
    ]
    [create] = fake_mastodon.requests_to("/api/v1/statuses", "POST")
    assert create.json["media_ids"] == [item["id"] for item in status["media_attachments"]]


def test_a_202_upload_is_polled_until_it_has_a_url(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    fake_mastodon.processing_polls = 2
    connect(fake_mastodon, options).publish(make_request(media=(media_item(),)))
    assert len(fake_mastodon.requests_to("/api/v1/media/", "GET")) == 3
    [status] = fake_mastodon.posts
    assert status["media_attachments"][0]["url"]


def test_an_upload_still_processing_after_the_last_look_is_transient(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    fake_mastodon.processing_polls = 100
    with pytest.raises(TransientError, match="still processing"):
        connect(fake_mastodon, options).publish(make_request(media=(media_item(),)))
    assert len(fake_mastodon.requests_to("/api/v1/media/", "GET")) == 4
    assert fake_mastodon.posts == []


def test_images_are_fitted_to_the_server_limits_read_with_the_post_length(
    options: ConnectorOptions, make_request: Build
) -> None:
    with FakeMastodon(image_size_limit=150_000, image_matrix_limit=400_000) as fake:
        connector = connect(fake, options)
        original = jpeg(1200, 800)
        assert len(original) > 150_000
        connector.publish(make_request(media=(media_item(data=original, mime="image/jpeg"),)))
        assert connector.state["image_size_limit"] == 150_000
        assert connector.state["image_matrix_limit"] == 400_000
        [upload] = fake.requests_to("/api/v2/media", "POST")
        sent = next(part for part in upload.form if part.name == "file")
        with Image.open(io.BytesIO(sent.value)) as picture:
            assert picture.width * picture.height <= 400_000
        assert len(sent.value) <= 150_000
        assert len(fake.posts) == 1


def test_more_images_than_the_server_takes_is_refused_before_uploading(
    options: ConnectorOptions, make_request: Build
) -> None:
    with FakeMastodon(max_media_attachments=2) as fake:
        connector = connect(fake, options)
        connector.check()
        assert connector.images() == 2
        assert connector.check_images(3) == "Mastodon takes at most 2 images; this post has 3."
        with pytest.raises(PermanentError, match="at most 2 images"):
            connector.publish(make_request(media=(media_item(),) * 3))
        assert fake.requests_to("/api/v2/media") == []


def test_a_lost_reply_to_the_status_never_makes_a_second_status(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_mastodon, options)
    media = (media_item("One"), media_item("Two"))
    fake_mastodon.reset_next(path="/api/v1/statuses")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(make_request(media=media))
    assert caught.value.safe_to_retry is True
    assert len(fake_mastodon.posts) == 1
    result = connector.publish(make_request(media=media, attempt=2))
    assert len(fake_mastodon.posts) == 1
    assert result.external_id == fake_mastodon.posts[0]["id"]
    assert len(fake_mastodon.requests_to("/api/v2/media", "POST")) == 4  # uploads may repeat


def test_a_refused_upload_is_permanent(options: ConnectorOptions, make_request: Build) -> None:
    with FakeMastodon() as fake:
        connector = connect(fake, options)
        broken = media_item(data=b"\xff\xd8 not really a jpeg", mime="image/jpeg")
        with pytest.raises(PermanentError, match="not an image"):
            connector.publish(make_request(media=(broken,)))
        assert fake.posts == []
