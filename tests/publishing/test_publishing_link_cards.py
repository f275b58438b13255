"""The worker sends Bluesky's link card from what was read at save time, with the site down."""

from __future__ import annotations

import io
from typing import Any

import pytest

from planner.media_app import get_media_storage
from planner.models import Post
from planner.services import posts as post_service
from planner.timeutils import parse_iso_instant
from tests.factories import access_of, ahead
from tests.fakes.fixtures import fake_site  # noqa: F401
from tests.fakes.images import jpeg, small_png
from tests.fakes.site import FakeSite, og_page
from tests.publishing.conftest import Desk


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LINK_CARDS": True}


def _api(client, token: str, method: str, url: str, **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _approved_post(client, token: str, desk: Desk, channel_id: int, link: str, **extra) -> dict:
    created = _api(
        client,
        token,
        "POST",
        f"/api/v1/workspaces/{desk.member.workspace.id}/posts",
        json={
            "body": "New loaves are in",
            "category": "promotional",
            "scheduled_at": ahead().isoformat(),
            "channel_ids": [channel_id],
            "link": link,
            **extra,
        },
    )
    assert created.status_code == 201, created.get_json()
    post = created.get_json()
    approved = _api(client, token, "POST", f"/api/v1/posts/{post['id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    return post


def _site_with_card(site: FakeSite) -> str:
    site.file("/loaf.jpg", jpeg(1600, 900), "image/jpeg")
    return site.page(
        "/sourdough",
        og_page(title="Fresh sourdough", description="Baked at dawn.", image="/loaf.jpg"),
    )


def test_the_worker_publishes_the_card_without_contacting_the_site(
    app,
    client,
    auth,
    desk: Desk,
    fake_bluesky,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    token = auth.token(desk.member)
    sky = desk.bluesky(fake_bluesky, "Sky")
    link = _site_with_card(fake_site)
    post = _approved_post(client, token, desk, sky.id, link)
    saved = desk.post(desk.session.get(Post, post["id"]))
    stored_thumb = get_media_storage(app).get(saved.link_card["thumb_key"])
    seen = len(fake_site.requests)
    fake_site.stop()  # at 9:00 the bakery's site is down

    assert desk.tick(parse_iso_instant(post["scheduled_at"], None)) == 1

    assert desk.delivery(saved).status == "published"
    [sent] = fake_bluesky.posts
    external = sent["record"]["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        link,
        "Fresh sourdough",
        "Baked at dawn.",
    )
    thumb = fake_bluesky.card_thumb(sent)
    assert thumb == stored_thumb and len(thumb) <= 1_000_000
    uploads = fake_bluesky.requests_to("com.atproto.repo.uploadBlob", "POST")
    assert [u.body for u in uploads] == [thumb]
    assert len(fake_site.requests) == seen


def test_a_copy_of_the_post_goes_out_with_the_card_read_for_the_original(
    app,
    client,
    auth,
    desk: Desk,
    fake_bluesky,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    token = auth.token(desk.member)
    sky = desk.bluesky(fake_bluesky, "Sky")
    link = _site_with_card(fake_site)
    original = _approved_post(client, token, desk, sky.id, link)
    copy = post_service.duplicate_post(
        session=desk.session, acc=access_of(desk.member), post_id=original["id"], now=ahead(1)
    )
    desk.session.commit()
    assert copy.link_card is None  # the copy has no card of its own ...
    fake_site.stop()
    answer = _api(client, token, "GET", f"/api/v1/posts/{copy.id}").get_json()
    assert answer["link_card"]["title"] == "Fresh sourdough"  # ... but the link's card counts
    approved = _api(client, token, "POST", f"/api/v1/posts/{copy.id}/approve")
    assert approved.status_code == 200, approved.get_json()

    assert desk.tick(parse_iso_instant(original["scheduled_at"], None)) == 2

    assert [p["record"]["embed"]["external"]["title"] for p in fake_bluesky.posts] == [
        "Fresh sourdough",
        "Fresh sourdough",
    ]


def test_images_go_out_instead_of_the_card(
    app,
    client,
    auth,
    desk: Desk,
    fake_bluesky,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    token = auth.token(desk.member)
    sky = desk.bluesky(fake_bluesky, "Sky")
    link = _site_with_card(fake_site)
    upload = client.post(
        f"/api/v1/workspaces/{desk.member.workspace.id}/media",
        headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(small_png()), "dot.png"), "alt": "A dot"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    post = _approved_post(
        client, token, desk, sky.id, link, media=[{"id": upload.get_json()["id"]}]
    )

    assert desk.tick(parse_iso_instant(post["scheduled_at"], None)) == 1

    [sent] = fake_bluesky.posts
    assert sent["record"]["embed"]["$type"] == "app.bsky.embed.images"
    assert len(fake_bluesky.requests_to("uploadBlob", "POST")) == 1
