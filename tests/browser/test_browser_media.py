"""An owner drags two photos into the composer, describes them, reorders them, saves, sees
the thumbnail on the month view, and approves the post."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from planner.media_models import Media
from planner.models import Post, PostStatus
from planner.services import media as media_service
from planner.timeutils import get_zone, to_local, utcnow
from tests import media_files as files
from tests.browser.test_browser_review import log_in
from tests.factories import make_channel

pytestmark = pytest.mark.browser

DROP = """(items) => {
  const dt = new DataTransfer();
  for (const [name, b64, type] of items) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name, { type }));
  }
  return dt;
}"""


def test_drag_two_photos_describe_reorder_save_see_and_approve(
    browser, live_server, auth, session
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    make_channel(session, owner.workspace, "Shop feed")
    day = to_local(utcnow(), get_zone("Europe/London")).date() + timedelta(days=8)
    page = log_in(browser, base, owner)
    page.goto(f"{base}/posts/new?date={day.isoformat()}")
    page.get_by_label("Text").fill("New boxes of buns")
    page.get_by_label("Category").select_option("promotional")

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
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])

    session.expire_all()
    saved = media_service.media_for_posts(session=session, post_ids=[post_id])[post_id]
    assert [(m.filename, m.alt) for m in saved] == [
        ("logo.png", "The bakery's logo"),
        ("box.jpg", "A box of six buns"),
    ]
    box = session.exec(select(Media).where(Media.filename == "box.jpg")).one()
    assert (box.width, box.height) == (600, 800)  # turned upright

    page.goto(f"{base}/?month={day:%Y-%m}")
    thumb = page.locator(f'.cal-post[data-post-id="{post_id}"] img')
    assert thumb.get_attribute("src").endswith(f"/media/{saved[0].id}/thumb")
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")

    page.goto(f"{base}/posts/{post_id}")
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Approve").first.click()
    page.wait_for_load_state()
    session.expire_all()
    assert session.get(Post, post_id).status == PostStatus.APPROVED
