"""An owner connects a Facebook Page and its Instagram account through Facebook Login (the fake
Graph API on loopback), sends a photo post to both, sees both published with their links; then
Meta revokes the token, the next post waits and a banner asks to reconnect."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, select
from werkzeug.serving import make_server

from planner import create_app
from planner.db import get_engine
from planner.models import Channel, ChannelStatus, Delivery, DeliveryStatus, Post, PostStatus
from planner.publishing.worker import tick
from planner.timeutils import get_zone, to_local, utcnow
from tests import media_files as files
from tests.browser.test_browser_media import DROP
from tests.browser.test_browser_review import log_in
from tests.fakes.meta import APP_ID, APP_SECRET, FakeMeta

pytestmark = pytest.mark.browser


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def meta_server(app_config, fake_meta: FakeMeta) -> Iterator[tuple[str, Flask]]:
    """The app on loopback with Facebook's developer app set and Meta's hosts sent to the fake."""
    overrides = {"graph.facebook.com": fake_meta.url, "www.facebook.com": fake_meta.url}
    config = {
        **app_config,
        "WTF_CSRF_ENABLED": True,
        "ALLOW_PRIVATE_HOSTS": True,
        "HOST_OVERRIDES": json.dumps(overrides),
        "FACEBOOK_CLIENT_ID": APP_ID,
        "FACEBOOK_CLIENT_SECRET": APP_SECRET,
    }
    config.pop("SERVER_NAME", None)
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # The redirect URI and the signed image links Meta fetches both start with it.
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app.config["BASE_URL"], app
    finally:
        server.shutdown()
        thread.join(5)
        get_engine(app).dispose()


def connect(page, base: str, button: str, account: str, choice: str) -> None:
    """Press Connect, allow planner on Facebook's dialog, and choose *account* (*choice* is its
    line on the pick page)."""
    page.goto(f"{base}/channels")
    page.get_by_role("button", name=button).click()
    assert "planner is requesting access" in page.content()  # Facebook's dialog (the fake)
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"/channels/oauth/\w+/pick"))
    page.get_by_role("checkbox", name=choice, exact=True).check()
    page.get_by_role("button", name="Connect", exact=True).click()
    # Facebook appends "#_=_" to its redirect; the browser keeps it through planner's redirects.
    page.wait_for_url(re.compile(r"/channels/?(#_=_)?$"))
    assert f"Connected {account}" in page.content()


def draft_and_approve(page, base: str, text: str, channels: list[str]) -> int:
    """Write a post with a photo for *channels* in the composer, submit and approve it."""
    day = to_local(utcnow(), get_zone("Europe/London")).date() + timedelta(days=3)
    page.goto(f"{base}/posts/new?date={day.isoformat()}")
    page.get_by_label("Text").fill(text)
    page.get_by_label("Category").select_option("promotional")
    for name in channels:
        page.get_by_role("checkbox", name=re.compile(re.escape(name))).check()
    photo = [
        ("loaves.jpg", base64.b64encode(files.jpeg_with_gps((900, 900))).decode(), "image/jpeg")
    ]
    page.dispatch_event("#media-drop", "drop", {"dataTransfer": page.evaluate_handle(DROP, photo)})
    page.locator("#media-items .media-item").first.wait_for()
    page.get_by_label("Alt text for loaves.jpg").fill("Three rye loaves")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Approve").first.click()
    page.wait_for_load_state()
    return post_id


def run_worker_at_post_time(app: Flask, post_id: int) -> int:
    with Session(get_engine(app)) as session:
        post = session.get(Post, post_id)
        assert post.status == PostStatus.APPROVED
        due = post.scheduled_at
    return tick(app, now=due)


def test_connect_a_page_and_instagram_publish_a_photo_then_reconnect_after_revoking(
    browser, meta_server, auth, fake_meta: FakeMeta
) -> None:
    base, app = meta_server
    owner = auth.user("owner@example.com")
    page = log_in(browser, base, owner)

    connect(page, base, "Connect Facebook Page", "Corner Bakery", "Corner Bakery Facebook Page")
    connect(
        page,
        base,
        "Connect Instagram",
        "@cornerbakery",
        "@cornerbakery Instagram account linked to the Page Corner Bakery",
    )
    with Session(get_engine(app)) as session:
        made = {c.platform: c for c in session.exec(select(Channel))}
    assert made["facebook"].config["page_id"] == "1001"
    assert made["instagram"].config["ig_user_id"] == "17841400000001"
    assert "access_token" not in made["facebook"].config  # sealed with the secrets

    post_id = draft_and_approve(page, base, "Rye is back", ["Corner Bakery", "@cornerbakery"])
    assert run_worker_at_post_time(app, post_id) == 2
    [page_post] = fake_meta.posts
    [media] = fake_meta.ig_posts("17841400000001")
    assert page_post["message"] == media["caption"] == "Rye is back"
    assert all(
        url.startswith(f"{base}/m/") and status == 200 for url, status in fake_meta.downloads
    )

    page.goto(f"{base}/posts/{post_id}")
    result = page.get_by_role("region", name="Publishing")
    assert result.inner_text().count("Published") >= 2
    links = {a.get_attribute("href") for a in result.get_by_role("link").all()}
    assert {page_post["permalink_url"], media["permalink"]} <= links

    # Meta invalidates the session (a password change): the next post waits, a banner asks.
    fake_meta.revoke()
    second = draft_and_approve(page, base, "Scones on Sunday", ["Corner Bakery", "@cornerbakery"])
    run_worker_at_post_time(app, second)
    with Session(get_engine(app)) as session:
        statuses = {c.platform: c.status for c in session.exec(select(Channel))}
        waiting = session.exec(select(Delivery).where(Delivery.post_id == second)).all()
    assert statuses == {
        "facebook": ChannelStatus.NEEDS_REAUTH,
        "instagram": ChannelStatus.NEEDS_REAUTH,
    }
    assert {d.status for d in waiting} == {DeliveryStatus.QUEUED}
    page.goto(f"{base}/publishing")
    banner = page.get_by_role("alert").filter(has_text="need reconnecting")
    assert "2 channels need reconnecting" in banner.inner_text()
    assert banner.get_by_role("link", name="Reconnect Corner Bakery").is_visible()
    assert len(fake_meta.posts) == 1 and len(fake_meta.ig_media) == 1
