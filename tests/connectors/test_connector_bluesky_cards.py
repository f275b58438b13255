"""Bluesky link cards: an external embed with its thumbnail uploaded as a blob, images first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from planner.connectors.base import ConnectorOptions, LinkCard, PublishRequest
from planner.connectors.bluesky import BlueskyConnector, new_tid
from planner.connectors.errors import PermanentError, UnknownOutcomeError
from planner.connectors.http import HttpClient
from tests.fakes import FakeBluesky
from tests.fakes.images import jpeg, media_item, small_png

Build = Callable[..., PublishRequest]
RKEY = new_tid(datetime(2025, 3, 14, 9, 0, tzinfo=UTC), clock_id=9)
LINK = "https://bakery.example/sourdough?utm_source=bluesky"
CARD = LinkCard(
    uri=LINK,
    title="Fresh sourdough",
    description="Baked at dawn.",
    thumb=small_png(120, 63),
    thumb_mime="image/png",
)


def connect(fake: FakeBluesky, options: ConnectorOptions) -> BlueskyConnector:
    config = {"service_url": fake.url, "handle": fake.handle, "app_password": fake.password}
    return BlueskyConnector(config, options=options)


@pytest.fixture
def bsky_request(make_request: Build) -> Build:
    return lambda **values: make_request(
        idempotency_key=RKEY, text="New loaves are in", link=LINK, **values
    )


def test_a_link_without_images_goes_out_as_a_card_with_its_thumbnail(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connect(fake_bluesky, options).publish(bsky_request(card=CARD))
    [post] = fake_bluesky.posts
    embed = post["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        LINK,
        "Fresh sourdough",
        "Baked at dawn.",
    )
    [upload] = fake_bluesky.requests_to("com.atproto.repo.uploadBlob", "POST")
    assert upload.headers["content-type"] == "image/png"
    assert external["thumb"]["mimeType"] == "image/png"
    assert fake_bluesky.card_thumb(post) == CARD.thumb
    # The link in the text is still a link: the card does not replace the facet.
    [facet] = post["record"]["facets"]
    assert facet["features"][0]["uri"] == LINK


def test_images_win_over_the_card(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connect(fake_bluesky, options).publish(bsky_request(card=CARD, media=(media_item("Loaf"),)))
    [post] = fake_bluesky.posts
    assert post["record"]["embed"]["$type"] == "app.bsky.embed.images"
    assert fake_bluesky.image_data(post) == [media_item().data]
    assert len(fake_bluesky.requests_to("uploadBlob", "POST")) == 1


def test_a_card_without_a_thumbnail_uploads_nothing(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    bare = LinkCard(uri=LINK, title="Fresh sourdough", description="")
    connect(fake_bluesky, options).publish(bsky_request(card=bare))
    [post] = fake_bluesky.posts
    assert post["record"]["embed"]["external"] == {
        "uri": LINK,
        "title": "Fresh sourdough",
        "description": "",
    }
    assert fake_bluesky.requests_to("uploadBlob") == []


def test_a_thumbnail_over_a_million_bytes_is_left_out_not_the_post(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    big = jpeg(2400, 1800)
    assert len(big) > 1_000_000
    card = LinkCard(uri=LINK, title="Big", description="", thumb=big, thumb_mime="image/jpeg")
    connect(fake_bluesky, options).publish(bsky_request(card=card))
    [post] = fake_bluesky.posts
    assert "thumb" not in post["record"]["embed"]["external"]
    assert fake_bluesky.requests_to("uploadBlob") == []


def test_a_lost_reply_never_makes_a_second_post_with_a_card(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, bsky_request: Build
) -> None:
    connector = connect(fake_bluesky, options)
    fake_bluesky.reset_next(path="createRecord")
    with pytest.raises(UnknownOutcomeError):
        connector.publish(bsky_request(card=CARD))
    connector.publish(bsky_request(card=CARD, attempt=2))
    [post] = fake_bluesky.posts
    assert post["rkey"] == RKEY
    assert post["record"]["embed"]["external"]["title"] == "Fresh sourdough"
    assert len(fake_bluesky.requests_to("createRecord", "POST")) == 1


def _session(fake: FakeBluesky, options: ConnectorOptions) -> tuple[HttpClient, dict[str, str]]:
    client = HttpClient(options)
    login = {"identifier": fake.handle, "password": fake.password}
    answer = client.request("POST", f"{fake.url}/xrpc/com.atproto.server.createSession", json=login)
    return client, {"Authorization": f"Bearer {answer.json_object()['accessJwt']}"}


def _create(fake: FakeBluesky, client: HttpClient, auth: dict[str, str], external: dict) -> None:
    record = {
        "$type": "app.bsky.feed.post",
        "text": "Card",
        "createdAt": "2025-03-14T09:00:00.000Z",
        "embed": {"$type": "app.bsky.embed.external", "external": external},
    }
    body = {"repo": fake.did, "collection": "app.bsky.feed.post", "record": record}
    client.request(
        "POST", f"{fake.url}/xrpc/com.atproto.repo.createRecord", json=body, headers=auth
    )


def test_the_fake_refuses_a_thumb_it_never_received(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    client, auth = _session(fake_bluesky, options)
    made_up = {"$type": "blob", "ref": {"$link": "bafkreinever"}, "mimeType": "image/png"}
    external = {"uri": LINK, "title": "T", "description": "", "thumb": {**made_up, "size": 9}}
    with pytest.raises(PermanentError, match="Could not find blob"):
        _create(fake_bluesky, client, auth, external)
    assert fake_bluesky.posts == []


def test_the_fake_refuses_a_thumb_over_a_million_bytes(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    client, auth = _session(fake_bluesky, options)
    blob = client.request(
        "POST",
        f"{fake_bluesky.url}/xrpc/com.atproto.repo.uploadBlob",
        data=jpeg(2400, 1800),
        headers={**auth, "Content-Type": "image/jpeg"},
    ).json_object()["blob"]
    external = {"uri": LINK, "title": "T", "description": "", "thumb": blob}
    with pytest.raises(PermanentError, match="thumb file too large"):
        _create(fake_bluesky, client, auth, external)
    with pytest.raises(PermanentError, match='must have the property "description"'):
        _create(fake_bluesky, client, auth, {"uri": LINK, "title": "T"})
