"""The worker hands a post's images to each connector and records what became of them."""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session

from planner.connectors.base import MediaItem
from planner.models import DeliveryStatus
from planner.publishing import context, worker
from planner.publishing.media import MediaUnavailable, items_for
from tests.conftest import NOW
from tests.fakes import FakeBluesky, FakeMastodon
from tests.fakes.images import jpeg, media_item
from tests.publishing.conftest import Desk


def run(desk: Desk, load_media) -> int:
    """One tick of publishing with *load_media* as the worker's source of images."""
    ctx = dataclasses.replace(context.build(desk.app, now=NOW), load_media=load_media)
    return worker._publish_due(ctx, threading.Event())


def test_each_connector_gets_the_post_images(
    desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    sky = desk.bluesky(fake_bluesky)
    outbox = desk.channel("outbox", {})
    post = desk.approved_post([toots, sky, outbox])
    photo = media_item(
        "A tray of buns",
        data=jpeg(2400, 1800),
        mime="image/jpeg",
        width=2400,
        height=1800,
        key="1/abc.jpg",
    )
    asked: list[int] = []

    def load(session: Session, post_id: int) -> tuple[MediaItem, ...]:
        asked.append(post_id)
        return (photo,)

    assert run(desk, load) == 3
    assert sorted(asked) == [post.id] * 3
    assert {d.status for d in desk.deliveries(post)} == {DeliveryStatus.PUBLISHED}
    [status] = fake_mastodon.posts
    assert status["media_attachments"][0]["description"] == "A tray of buns"
    [bsky_post] = fake_bluesky.posts
    [blob] = fake_bluesky.image_data(bsky_post)
    assert len(blob) <= 1_000_000
    line = (Path(desk.app.instance_path) / "outbox" / f"channel-{outbox.id}.jsonl").read_text()
    assert [(m["key"], m["alt"]) for m in json.loads(line)["media"]] == [
        ("1/abc.jpg", "A tray of buns")
    ]


def test_a_missing_image_fails_the_delivery_without_sending(desk: Desk) -> None:
    outbox = desk.channel("outbox", {})
    post = desk.approved_post([outbox])

    def load(session: Session, post_id: int) -> tuple[MediaItem, ...]:
        raise MediaUnavailable("An image of this post is missing from storage.")

    run(desk, load)
    delivery = desk.delivery(post)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "An image of this post is missing from storage."
    assert not (Path(desk.app.instance_path) / "outbox" / f"channel-{outbox.id}.jsonl").exists()


@dataclass
class Stored:
    storage_key: str
    mime: str = "image/png"
    width: int = 40
    height: int = 30
    alt: str | None = None
    sha256: str | None = None


class Store:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def get(self, key: str) -> bytes:
        try:
            return self.files[key]
        except KeyError:
            raise LookupError(key) from None

    def signed_url(self, key: str, expires_in: int) -> str | None:
        return f"https://planner.example/m/{key}?e={expires_in}"


def test_stored_images_are_read_in_order_with_signed_urls() -> None:
    store = Store({"1/a.png": b"first", "1/b.png": b"second"})
    items = items_for(
        [Stored("1/b.png", alt="Second"), Stored("1/a.png")], store=store, url_seconds=60
    )
    assert [(i.data, i.alt, i.key, i.url) for i in items] == [
        (b"second", "Second", "1/b.png", "https://planner.example/m/1/b.png?e=60"),
        (b"first", "", "1/a.png", "https://planner.example/m/1/a.png?e=60"),
    ]
    with pytest.raises(MediaUnavailable, match="missing from storage"):
        items_for([Stored("1/gone.png")], store=store)
