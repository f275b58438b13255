"""Instagram: containers fetched by URL, JPEG renditions hosted, quota waits, one post each."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import (
    AuthError,
    PermanentError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.instagram import InstagramConnector
from planner.connectors.registry import CONNECTORS
from tests.fakes import FakeMeta, ImageHost
from tests.fakes.images import jpeg, media_item, small_png

Build = Callable[..., PublishRequest]
IG = "17841400000001"


def connect(fake: FakeMeta, options: ConnectorOptions) -> InstagramConnector:
    options = dataclasses.replace(options, host_overrides={"graph.facebook.com": fake.url})
    page = fake.page("1001")
    config = {
        "ig_user_id": IG,
        "username": "cornerbakery",
        "page_id": "1001",
        "access_token": page.token,
    }
    return InstagramConnector(config, options=options)


def photo(host: ImageHost, alt: str = "A loaf", *, width: int = 800, height: int = 800):
    data = jpeg(width, height)
    return media_item(
        alt,
        data=data,
        mime="image/jpeg",
        width=width,
        height=height,
        url=host.put(data, "image/jpeg"),
    )


def creates(fake: FakeMeta) -> list:
    """The container creations (``POST /{ig-user-id}/media``), not the publishes."""
    return [r for r in fake.requests_to(f"/{IG}/media", "POST") if r.path.endswith("/media")]


def hosting(host: ImageHost, calls: list[tuple[int, str]]):
    def host_image(data: bytes, mime: str) -> str:
        calls.append((len(data), mime))
        return host.put(data, mime)

    return host_image


def test_registered_with_instagram_limits() -> None:
    assert CONNECTORS["instagram"] is InstagramConnector
    assert InstagramConnector.oauth_only is True
    connector = InstagramConnector({"ig_user_id": IG, "access_token": "t"})
    assert connector.check_images(0) == (
        "Instagram needs at least one image; add a photo or leave Instagram out."
    )
    assert connector.check_images(10) is None
    assert "at most 10" in connector.check_images(11)
    assert connector.check_length("a" * 2200) is None
    assert connector.check_length("a" * 2201) == "2201 of 2200 characters on Instagram"
    tags = " ".join(f"#tag{i}" for i in range(31))
    assert connector.check_length(tags) == "31 of 30 hashtags on Instagram"
    assert connector.check_length(" ".join(f"#tag{i}" for i in range(30))) is None
    people = " ".join(f"@friend.{i}" for i in range(21))
    assert connector.check_length(people + " " + tags) == (
        "31 of 30 hashtags on Instagram; 21 of 20 mentions on Instagram"
    )
    # An e-mail address is not a mention, a URL fragment is not a hashtag.
    assert connector.check_length("mail bread@example.com " * 25) is None


def test_a_post_without_images_is_refused_before_anything_is_sent(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="needs at least one image"):
        connect(fake_meta, options).publish(make_request())
    assert fake_meta.requests == []


def test_a_jpeg_in_range_is_fetched_from_its_own_address_and_published(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    image = photo(image_host, "Cinnamon buns")
    calls: list[tuple[int, str]] = []
    result = connect(fake_meta, options).publish(
        make_request(
            text="Buns #bakery",
            link="https://bakery.example",
            media=(image,),
            host_image=hosting(image_host, calls),
        )
    )
    assert calls == []  # the original is already what Instagram takes
    [create] = creates(fake_meta)
    assert create.json == {
        "image_url": image.url,
        "caption": "Buns #bakery\nhttps://bakery.example",
        "alt_text": "Cinnamon buns",
    }
    [media] = fake_meta.ig_posts(IG)
    assert media["caption"] == "Buns #bakery\nhttps://bakery.example"
    assert result.external_id == media["id"]
    assert result.external_url == media["permalink"]
    assert fake_meta.downloads == [(image.url, 200)]
    assert len(fake_meta.requests_to("/content_publishing_limit", "GET")) == 1


def test_a_png_is_sent_as_a_hosted_jpeg_rendition_that_meta_can_fetch(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    original = media_item(
        "Logo", data=small_png(50, 40), url=image_host.put(small_png(50, 40), "image/png")
    )
    calls: list[tuple[int, str]] = []
    connect(fake_meta, options).publish(
        make_request(media=(original,), host_image=hosting(image_host, calls))
    )
    assert [mime for _, mime in calls] == ["image/jpeg"]
    [create] = creates(fake_meta)
    assert create.json["image_url"] != original.url
    [(url, status)] = fake_meta.downloads
    assert (url, status) == (create.json["image_url"], 200)
    data, mime = image_host.files[url.rsplit("/", 1)[1]]
    with Image.open(io.BytesIO(data)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (50, 40))
    assert len(fake_meta.ig_posts(IG)) == 1


def test_a_rendition_without_a_host_is_refused(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    with pytest.raises(PermanentError, match="by address"):
        connect(fake_meta, options).publish(make_request(media=(media_item(),)))
    assert fake_meta.ig_media == []


def test_the_fake_refuses_what_instagram_refuses(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    """A wide image sent as it is: Meta's own check answers 36003, a permanent error."""
    wide = photo(image_host, width=1000, height=400)
    connector = connect(fake_meta, options)
    # The connector itself refuses the shape before asking Meta (no crop or pad chosen)...
    with pytest.raises(PermanentError, match="too wide. Crop or pad it first"):
        connector.publish(make_request(media=(wide,)))
    assert creates(fake_meta) == []
    # ...and Meta refuses it too when it gets one.
    graph = connector.graph()
    with pytest.raises(PermanentError, match="aspect ratio") as caught:
        graph.post(f"/{IG}/media", {"image_url": wide.url})
    assert caught.value.code == "36003/2207009"


def test_a_carousel_makes_children_then_one_carousel_container(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    images = tuple(photo(image_host, f"Cake {i}") for i in range(3))
    connect(fake_meta, options).publish(make_request(text="Three cakes", media=images))
    made = creates(fake_meta)
    assert [c.json.get("is_carousel_item") for c in made] == [True, True, True, None]
    assert [c.json.get("alt_text") for c in made[:3]] == ["Cake 0", "Cake 1", "Cake 2"]
    parent = made[3].json
    assert parent["media_type"] == "CAROUSEL" and parent["caption"] == "Three cakes"
    [media] = fake_meta.ig_posts(IG)
    assert len(media["children"]) == 3
    assert parent["children"] == ",".join(media["children"])


def test_a_slow_container_is_polled_until_finished(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.slow_polls = 2
    connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    [create] = creates(fake_meta)
    assert len(fake_meta.requests_to("/media_publish", "POST")) == 1
    assert len(fake_meta.ig_posts(IG)) == 1
    polls = [r for r in fake_meta.requests if r.query.get("fields") == "status_code,status"]
    assert len(polls) == 3


def test_a_container_still_processing_is_retried_later_and_reused(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.slow_polls = 100
    connector = connect(fake_meta, options)
    image = photo(image_host)
    with pytest.raises(TransientError, match="still processing"):
        connector.publish(make_request(media=(image,)))
    [container] = fake_meta.containers
    assert connector.state["containers"]["7"]["id"] == container
    fake_meta.slow_polls = 0
    retry = InstagramConnector(connector.config, state=connector.state, options=connector.options)
    retry.publish(make_request(media=(image,), attempt=2))
    assert len(creates(fake_meta)) == 1
    [media] = fake_meta.ig_posts(IG)
    assert media["container"] == container
    assert retry.state["containers"] == {}


@pytest.mark.parametrize("outcome", ["ERROR", "EXPIRED"])
def test_a_failed_container_is_a_permanent_error(
    fake_meta: FakeMeta,
    image_host: ImageHost,
    options: ConnectorOptions,
    make_request: Build,
    outcome: str,
) -> None:
    fake_meta.container_outcome = outcome
    with pytest.raises(PermanentError, match="Instagram could not use the images"):
        connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    assert fake_meta.ig_media == []


def test_a_used_up_quota_waits_until_the_oldest_post_drops_out(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    now = datetime.now(UTC)
    oldest = now - timedelta(hours=20)
    fake_meta.fill_quota(IG, [oldest + timedelta(minutes=i) for i in range(50)])
    with pytest.raises(QuotaWait) as caught:
        connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    assert caught.value.retry_after == pytest.approx(4 * 3600, abs=30)
    assert "50 posts per 24 hours" in caught.value.message
    assert creates(fake_meta) == []
    assert fake_meta.requests_to("/media_publish", "POST") == []


def test_a_quota_wait_without_readable_posts_is_an_hour(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.quota_total = 0
    with pytest.raises(QuotaWait) as caught:
        connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    assert caught.value.retry_after == 3600


def test_a_reply_lost_after_publishing_is_found_on_retry_not_published_twice(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_meta, options)
    image = photo(image_host)
    fake_meta.reset_next(path="/media_publish")
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.publish(make_request(media=(image,)))
    assert caught.value.safe_to_retry is True
    retry = InstagramConnector(connector.config, state=connector.state, options=connector.options)
    result = retry.publish(make_request(media=(image,), attempt=2))
    [media] = fake_meta.ig_posts(IG)
    assert result.external_id == media["id"]
    assert result.external_url == media["permalink"]
    assert len(fake_meta.requests_to("/media_publish", "POST")) == 1
    assert len(creates(fake_meta)) == 1


def test_a_lost_publish_that_never_landed_reuses_the_container(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    connector = connect(fake_meta, options)
    image = photo(image_host)
    fake_meta.reset_next(path="/media_publish", landed=False)
    with pytest.raises(UnknownOutcomeError):
        connector.publish(make_request(media=(image,)))
    retry = InstagramConnector(connector.config, state=connector.state, options=connector.options)
    retry.publish(make_request(media=(image,), attempt=2))
    assert len(fake_meta.ig_posts(IG)) == 1
    assert len(creates(fake_meta)) == 1
    assert len(fake_meta.requests_to("/media_publish", "POST")) == 2


def test_a_revoked_token_is_an_auth_error(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.revoke()
    with pytest.raises(AuthError, match="Reconnect"):
        connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    assert fake_meta.ig_media == []


def test_check_names_the_account(fake_meta: FakeMeta, options: ConnectorOptions) -> None:
    assert connect(fake_meta, options).check() == "@cornerbakery"


@pytest.mark.parametrize(("fit", "size"), [("crop", (764, 400)), ("pad", (1000, 524))])
def test_a_wide_photo_is_cropped_or_padded_as_chosen_and_hosted(
    fake_meta: FakeMeta,
    image_host: ImageHost,
    options: ConnectorOptions,
    make_request: Build,
    fit: str,
    size: tuple[int, int],
) -> None:
    wide = dataclasses.replace(photo(image_host, width=1000, height=400), fit=fit)
    calls: list[tuple[int, str]] = []
    connect(fake_meta, options).publish(
        make_request(media=(wide,), host_image=hosting(image_host, calls))
    )
    [create] = creates(fake_meta)
    assert create.json["image_url"] != wide.url
    data, _ = image_host.files[create.json["image_url"].rsplit("/", 1)[1]]
    with Image.open(io.BytesIO(data)) as picture:
        assert (picture.format, picture.size) == ("JPEG", size)
    assert fake_meta.downloads == [(create.json["image_url"], 200)]
    assert len(fake_meta.ig_posts(IG)) == 1


def limit_reads(fake: FakeMeta) -> int:
    return len(fake.requests_to(f"/{IG}/content_publishing_limit", "GET"))


def test_a_burst_reads_the_quota_once_and_again_when_it_nears_the_limit(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    fake_meta.quota_total = 10  # 5 posts leave the margin of 5: the sixth asks again
    image = photo(image_host)
    for n in range(1, 6):
        connect(fake_meta, options).publish(make_request(delivery_id=n, media=(image,)))
    assert limit_reads(fake_meta) == 1
    connect(fake_meta, options).publish(make_request(delivery_id=6, media=(image,)))
    assert limit_reads(fake_meta) == 2
    assert len(fake_meta.ig_posts(IG)) == 6


def test_a_quota_used_up_elsewhere_since_the_reading_waits_instead_of_failing(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    image = photo(image_host)
    connect(fake_meta, options).publish(make_request(delivery_id=1, media=(image,)))
    # Another app fills the account's 50 posts; planner's reading still shows room.
    fake_meta.fill_quota(IG, [datetime.now(UTC) - timedelta(hours=1)] * 49)
    with pytest.raises(QuotaWait) as caught:
        connect(fake_meta, options).publish(make_request(delivery_id=2, media=(image,)))
    assert "50 posts per 24 hours" in caught.value.message
    assert limit_reads(fake_meta) == 1
    # The platform's refusal dropped the reading: the retry asks before making a container.
    before = len(creates(fake_meta))
    with pytest.raises(QuotaWait):
        connect(fake_meta, options).publish(make_request(delivery_id=3, media=(image,)))
    assert limit_reads(fake_meta) == 2
    assert len(creates(fake_meta)) == before


def test_the_permalink_comes_with_the_publish_answer(
    fake_meta: FakeMeta, image_host: ImageHost, options: ConnectorOptions, make_request: Build
) -> None:
    result = connect(fake_meta, options).publish(make_request(media=(photo(image_host),)))
    [publish] = fake_meta.requests_to("/media_publish", "POST")
    assert publish.json["fields"] == "id,permalink"
    [media] = fake_meta.ig_posts(IG)
    assert result.external_url == media["permalink"]
    node = f"/{media['id']}"
    assert [r for r in fake_meta.requests if r.method == "GET" and r.path.endswith(node)] == []
