"""A person links to the bakery's page and sees Bluesky's card, read from the page, before it goes out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from planner.models import Post
from tests.browser.conftest import screenshot_dir
from tests.browser.test_browser_review import log_in
from tests.fakes.fixtures import fake_site  # noqa: F401
from tests.fakes.images import jpeg
from tests.fakes.site import FakeSite, og_page
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LINK_CARDS": True}


def test_the_saved_post_shows_the_card_with_its_picture_in_the_bluesky_preview(
    browser,
    live_server,
    app,
    auth,
    session,
    fake_bluesky,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    fake_site.file("/loaf.jpg", jpeg(1200, 630), "image/jpeg")
    link = fake_site.page(
        "/sourdough",
        og_page(
            title="Fresh sourdough", description="Baked at dawn, gone by noon.", image="/loaf.jpg"
        ),
    )
    owner = auth.user("owner@example.com")
    sky = Desk(app, session, owner).bluesky(fake_bluesky, "Sky")
    page = log_in(browser, live_server, owner)
    page.goto(f"{live_server}/posts/new")
    page.get_by_label("Sky").check()
    page.get_by_label("Text", exact=True).fill("New loaves are in")
    page.get_by_label("Category").select_option("promotional")
    page.get_by_label("Link (optional)").fill(link)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"{live_server}/ideas*")
    post = session.exec(select(Post)).one()

    page.goto(f"{live_server}/posts/{post.id}/edit")
    card = page.locator(f'[data-preview-for="{sky.id}"] [data-link-card]')
    assert card.locator(".link-card-title").inner_text() == "Fresh sourdough"
    assert "Baked at dawn, gone by noon." in card.inner_text()
    thumb = card.locator("img.link-card-thumb")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert thumb.evaluate("img => img.naturalWidth") == 1200
    if (folder := screenshot_dir()) is not None:
        card.screenshot(path=str(folder / "link-card.png"))
