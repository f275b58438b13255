"""Facebook and Instagram through the worker: hosted images, one post after a lost reply,
a revoked token, and a used-up publishing quota that waits without using an attempt."""

from __future__ import annotations

import hashlib
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.serving import make_server

from planner.media.settings import limits_from_config
from planner.media_app import get_media_storage
from planner.models import Channel, ChannelStatus, DeliveryStatus
from planner.publishing.media import image_host
from planner.services import media as media_service
from tests.conftest import NOW
from tests.factories import attach_media, make_oauth_channel
from tests.fakes.images import jpeg, small_png
from tests.fakes.meta import FakeMeta
from tests.publishing.conftest import Desk

IG = "17841400000001"
D = DeliveryStatus


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def meta_desk(desk: Desk, fake_meta: FakeMeta) -> Iterator[Desk]:
    """The desk's app served on loopback (so Meta can fetch its signed image links), with
    Graph's host sent to the fake."""
    app = desk.app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config.update(
        BASE_URL=f"http://127.0.0.1:{server.server_port}",
        HOST_OVERRIDES={"graph.facebook.com": fake_meta.url},
        ALLOW_PRIVATE_HOSTS=True,
    )
    app.extensions.pop("planner.connectors", None)  # rebuilt with the overrides
    app.extensions.pop("planner.media", None)  # rebuilt with the base URL
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield desk
    finally:
        server.shutdown()
        thread.join(5)


def channels(desk: Desk, fake: FakeMeta) -> tuple[Channel, Channel]:
    """The Page and its Instagram account, connected as the OAuth picks leave them."""
    page = fake.page("1001")
    facebook = make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="facebook",
        config={"page_id": "1001", "page_name": page.name, "access_token": page.token},
        expires_at=None,
        name="Corner Bakery",
    )
    instagram = make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="instagram",
        config={"ig_user_id": IG, "username": "cornerbakery", "access_token": page.token},
        expires_at=None,
        name="@cornerbakery",
    )
    return facebook, instagram


def with_photo(desk: Desk, post, data: bytes, filename: str) -> None:
    media = media_service.upload(
        session=desk.session,
        acc=desk.acc,
        storage=get_media_storage(desk.app),
        data=data,
        filename=filename,
        alt="Loaves on the counter",
        limits=limits_from_config(desk.app.config),
        now=NOW,
    )
    desk.session.commit()
    attach_media(desk.session, post, [media.id])


def test_a_photo_post_goes_to_the_page_and_the_account_with_their_links(
    meta_desk: Desk, fake_meta: FakeMeta
) -> None:
    facebook, instagram = channels(meta_desk, fake_meta)
    post = meta_desk.approved_post([facebook, instagram], body="Fresh rye today")
    # A PNG: Facebook takes it as stored, Instagram needs a JPEG rendition hosted for it.
    with_photo(meta_desk, post, small_png(600, 500), "rye.png")
    assert meta_desk.tick() == 2
    by_channel = {d.channel_id: d for d in meta_desk.deliveries(post)}
    assert {d.status for d in by_channel.values()} == {D.PUBLISHED}
    [page_post] = fake_meta.posts
    [ig_media] = fake_meta.ig_posts(IG)
    assert by_channel[facebook.id].external_url == page_post["permalink_url"]
    assert by_channel[instagram.id].external_url == ig_media["permalink"]
    assert page_post["message"] == ig_media["caption"] == "Fresh rye today"
    # Both images were fetched by Meta from planner's own signed links.
    base = meta_desk.app.config["BASE_URL"]
    assert len(fake_meta.downloads) == 2
    assert all(
        url.startswith(f"{base}/m/") and status == 200 for url, status in fake_meta.downloads
    )
    [create] = [
        r for r in fake_meta.requests_to(f"/{IG}/media", "POST") if r.path.endswith("/media")
    ]
    photo_url = fake_meta.requests_to("/1001/photos", "POST")[0].json["url"]
    assert create.json["image_url"] != photo_url  # the rendition, not the PNG
    assert meta_desk.post(post).status == "published"


def test_the_rendition_is_stored_once_by_its_content_and_served_by_signed_link(
    meta_desk: Desk,
) -> None:
    storage = get_media_storage(meta_desk.app)
    host = image_host(storage)
    data = jpeg(300, 300)
    first, second = host(data, "image/jpeg"), host(data, "image/jpeg")
    assert first.startswith(meta_desk.app.config["BASE_URL"] + "/m/")
    [stored] = list((storage.root / "renditions").iterdir())
    assert stored.name == f"{hashlib.sha256(data).hexdigest()}.jpg"
    for url in (first, second):
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.headers["Content-Type"] == "image/jpeg"
            assert answer.read() == data


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_reply_lost_after_the_post_was_made_publishes_once_on_retry(
    meta_desk: Desk, fake_meta: FakeMeta, platform: str
) -> None:
    facebook, instagram = channels(meta_desk, fake_meta)
    channel = facebook if platform == "facebook" else instagram
    post = meta_desk.approved_post([channel], body="Croissants at eight")
    with_photo(meta_desk, post, jpeg(800, 800), "croissants.jpg")
    fake_meta.reset_next(path="/media_publish" if platform == "instagram" else "/1001/photos")
    meta_desk.tick()
    delivery = meta_desk.delivery(post)
    assert delivery.status == D.RETRYING
    assert "may or may not have been published" in delivery.last_error
    meta_desk.tick(NOW + timedelta(minutes=5))
    delivery = meta_desk.delivery(post)
    assert delivery.status == D.PUBLISHED
    if platform == "instagram":
        [media] = fake_meta.ig_posts(IG)
        assert delivery.external_id == media["id"]
        assert len(fake_meta.requests_to("/media_publish", "POST")) == 1
    else:
        [page_post] = fake_meta.posts
        assert delivery.external_url == page_post["permalink_url"]
        assert len(fake_meta.requests_to("/1001/photos", "POST")) == 1


def test_a_revoked_token_marks_the_channel_for_reconnecting(
    meta_desk: Desk, fake_meta: FakeMeta
) -> None:
    facebook, _ = channels(meta_desk, fake_meta)
    post = meta_desk.approved_post([facebook])
    fake_meta.revoke()
    meta_desk.tick()
    channel = meta_desk.reload(facebook)
    assert channel.status == ChannelStatus.NEEDS_REAUTH
    assert "Reconnect" in channel.status_detail
    delivery = meta_desk.delivery(post)
    assert delivery.status == D.QUEUED
    assert delivery.attempts == 0
    assert fake_meta.posts == []


def test_a_used_up_instagram_quota_waits_without_using_an_attempt(
    meta_desk: Desk, fake_meta: FakeMeta
) -> None:
    _, instagram = channels(meta_desk, fake_meta)
    post = meta_desk.approved_post([instagram])
    with_photo(meta_desk, post, jpeg(800, 800), "buns.jpg")
    now = datetime.now(UTC)
    # The oldest of the 50 drops out of the 24 hours in 30 minutes.
    fake_meta.fill_quota(IG, [now - timedelta(hours=23, minutes=30 - i) for i in range(50)])
    meta_desk.tick()
    delivery = meta_desk.delivery(post)
    assert delivery.status == D.RETRYING
    assert delivery.attempts == 0
    assert "50 posts per 24 hours" in delivery.last_error
    wait = delivery.next_attempt_at.replace(tzinfo=UTC) - NOW
    assert timedelta(minutes=29) < wait < timedelta(minutes=31)
    assert fake_meta.requests_to("/media_publish", "POST") == []
