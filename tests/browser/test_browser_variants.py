"""A person writes a shorter text for Bluesky in its own tab and sees each network's preview."""

from __future__ import annotations

import pytest

from tests.browser.test_browser_review import log_in
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser


def test_a_channel_tab_takes_its_own_text_counted_and_previewed_there(
    browser, live_server, app, auth, session, fake_bluesky
) -> None:
    owner = auth.user("owner@example.com")
    desk = Desk(app, session, owner)
    sky = desk.bluesky(fake_bluesky, "Sky")
    feed = desk.channel("outbox", {}, "Feed")
    page = log_in(browser, live_server, owner)
    page.goto(f"{live_server}/posts/new")
    page.get_by_label("Sky").check()
    page.get_by_label("Feed").check()
    page.get_by_label("Text", exact=True).fill("r" * 320)
    counter = page.locator(f'[data-counter-for="{sky.id}"] .counter-value')
    assert counter.inner_text() == "20 over the 300 limit"

    page.get_by_role("tab", name="Sky").click()
    panel = page.locator(f"#variant-panel-{sky.id}")
    assert panel.is_visible() and not page.locator(f"#variant-panel-{feed.id}").is_visible()
    panel.get_by_label("Own wording").fill("Rye is back!")
    assert counter.inner_text() == "288 left of 300"
    sky_preview = page.locator(f'[data-preview-for="{sky.id}"] [data-preview-text]')
    feed_preview = page.locator(f'[data-preview-for="{feed.id}"] [data-preview-text]')
    assert sky_preview.inner_text() == "Rye is back!"
    assert feed_preview.inner_text() == "r" * 320

    card = page.locator(f'[data-preview-for="{sky.id}"]')
    wide = card.bounding_box()["width"]
    page.get_by_label("Phone").first.check()
    assert card.bounding_box()["width"] < wide
