"""The owner drags two photos into the composer, describes them, reorders them, sees how each
network will show them (desktop and phone), chooses Instagram's crop for the portrait one, saves,
sees the thumbnail on the month view; an editor approves; the worker sends it, and the outbox
line lists the stored images."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from planner.media_app import get_media_storage
from planner.media_models import Media
from planner.models import Post, PostStatus, Role
from planner.services import media as media_service
from planner.timeutils import get_zone, to_local, utcnow
from tests import media_files as files
from tests.browser.test_browser_review import log_in
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser

ZONE = "Europe/London"
DROP = """(items) => {
  const dt = new DataTransfer();
  for (const [name, b64, type] of items) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name, { type }));
  }
  return dt;
}"""
SHOWN = """(card) => Array.from(card.querySelectorAll('.preview-images img')).map((img) => ({
  src: new URL(img.src).pathname, alt: img.alt, aspect: img.style.aspectRatio,
  loaded: img.complete && img.naturalWidth > 0 }))"""


def test_drag_two_photos_preview_each_network_save_approve_and_send(
    browser, live_server, app, auth, session, fake_mastodon, fake_bluesky
) -> None:
    base = live_server
    owner = auth.user("owner@example.com", timezone=ZONE)
    editor = auth.user("editor@example.com", workspace=owner.workspace, role=Role.EDITOR)
    desk = Desk(app, session, owner)
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    sky = desk.bluesky(fake_bluesky, "Sky")
    feed = desk.channel("outbox", {}, "Shop feed")
    day = to_local(utcnow(), get_zone(ZONE)).date() + timedelta(days=8)
    page = log_in(browser, base, owner)
    page.goto(f"{base}/posts/new?date={day.isoformat()}")
    page.get_by_label("Text", exact=True).fill("New boxes of buns")
    page.get_by_label("Category").select_option("promotional")
    for name in ("Toots", "Sky", "Shop feed"):
        page.get_by_label(name).check()

    photos = [
        ("box.jpg", base64.b64encode(files.jpeg_with_gps((800, 600))).decode(), "image/jpeg"),
        ("logo.png", base64.b64encode(files.png_with_transparency()).decode(), "image/png"),
    ]
    transfer = page.evaluate_handle(DROP, photos)
    page.dispatch_event("#media-drop", "drop", {"dataTransfer": transfer})
    page.locator("#media-items .media-item").nth(1).wait_for()
    assert page.locator("[data-alt-warning]:visible").count() == 2  # no alt text yet

    page.get_by_label("Alt text for box.jpg").fill("A box of six buns")
    page.get_by_label("Alt text for logo.png").fill("The bakery's logo")
    assert page.locator("[data-alt-warning]:visible").count() == 0
    page.locator(".media-item").nth(1).get_by_role("button", name="Move earlier").click()
    order = page.locator("#media-items .media-item").evaluate_all(
        "items => items.map((li) => li.dataset.mediaId)"
    )
    logo_id, box_id = (int(i) for i in order)

    # The photo, upright, is 600 x 800: too tall for Instagram, which asks (the logo fits).
    box_item = page.locator(f'.media-item[data-media-id="{box_id}"]')
    notice = box_item.locator("[data-fit-notice]")
    assert "Instagram needs 4:5 to 1.91:1" in notice.inner_text()
    assert notice.locator(".fit-crop img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator(f'.media-item[data-media-id="{logo_id}"] [data-fit-notice]').count() == 0
    notice.get_by_label("Crop").check()

    # Each network's preview shows both images, in the new order, cropped its own way.
    crops = {toots.id: ["0.8889", "0.8889"], sky.id: ["1", "1"], feed.id: ["1.3333", "0.75"]}
    for channel_id, aspects in crops.items():
        card = page.locator(f'[data-preview-for="{channel_id}"]')
        assert card.is_visible()
        assert card.locator("[data-preview-text]").inner_text() == "New boxes of buns"
        shown = card.evaluate(SHOWN)
        assert [s["src"] for s in shown] == [f"/media/{logo_id}/file", f"/media/{box_id}/file"]
        assert [s["alt"] for s in shown] == ["The bakery's logo", "A box of six buns"]
        assert [s["aspect"].split(" ")[0] for s in shown] == aspects
        assert all(s["loaded"] for s in shown)
    sky_card = page.locator(f'[data-preview-for="{sky.id}"]')
    wide = sky_card.bounding_box()["width"]
    page.get_by_label("Phone").first.check()
    assert sky_card.bounding_box()["width"] < wide
    assert page.locator(f'[data-preview-for="{toots.id}"] .preview-images img').count() == 2
    # On a phone itself the previews fit the screen, images and all.
    page.set_viewport_size({"width": 390, "height": 844})
    for channel_id in crops:
        card = page.locator(f'[data-preview-for="{channel_id}"]')
        card.scroll_into_view_if_needed()
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert card.locator(".preview-images img").first.is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])
    session.expire_all()
    saved = media_service.images_for_posts(session=session, post_ids=[post_id])[post_id]
    assert [(i.media.filename, i.media.alt, i.fit) for i in saved] == [
        ("logo.png", "The bakery's logo", None),
        ("box.jpg", "A box of six buns", "crop"),
    ]
    box = session.exec(select(Media).where(Media.filename == "box.jpg")).one()
    assert (box.width, box.height) == (600, 800)  # turned upright
    assert media_service.instagram_ready(saved) is None  # the crop was chosen

    page.goto(f"{base}/?month={day:%Y-%m}")
    thumb = page.locator(f'.cal-post[data-post-id="{post_id}"] img')
    assert thumb.get_attribute("src").endswith(f"/media/{logo_id}/thumb")
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    page.goto(f"{base}/posts/{post_id}")
    page.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review." in page.content()

    reviewer = log_in(browser, base, editor)
    reviewer.goto(f"{base}/posts/{post_id}")
    reviewer.get_by_role("button", name="Approve").first.click()
    reviewer.wait_for_load_state()
    post = desk.post(session.get(Post, post_id))
    assert post.status == PostStatus.APPROVED

    # The worker's tick at the post's time sends it to all three channels.
    assert desk.tick(post.scheduled_at + timedelta(minutes=1)) == 3
    assert desk.post(post).status == PostStatus.PUBLISHED
    [line] = (
        (Path(app.instance_path) / "outbox" / f"channel-{feed.id}.jsonl").read_text().splitlines()
    )
    sent = json.loads(line)
    assert sent["text"] == "New boxes of buns"
    keys = [i.media.storage_key for i in saved]
    assert [(m["key"], m["alt"]) for m in sent["media"]] == [
        (keys[0], "The bakery's logo"),
        (keys[1], "A box of six buns"),
    ]
    storage = get_media_storage(app)
    assert all(not files.has_gps(storage.get(key)) for key in keys)
    [status] = fake_mastodon.posts
    assert [m["description"] for m in status["media_attachments"]] == [
        "The bakery's logo",
        "A box of six buns",
    ]
    [record] = fake_bluesky.posts
    assert [i["alt"] for i in record["record"]["embed"]["images"]] == [
        "The bakery's logo",
        "A box of six buns",
    ]
