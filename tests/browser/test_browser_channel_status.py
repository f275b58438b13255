"""An owner's channel fails its connection test: the page says so, approval waits, a pass clears it."""

from __future__ import annotations

import pytest

from planner.models import PostStatus
from tests.browser.test_browser_review import log_in
from tests.factories import ahead, make_post
from tests.fakes import FakeMastodon
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser

VERIFY = "/api/v1/accounts/verify_credentials"


def test_a_failed_connection_test_shows_and_holds_approval_until_a_test_passes(
    browser, live_server, app, auth, session, fake_mastodon: FakeMastodon
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    desk = Desk(app, session, owner)
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    post = make_post(
        session,
        owner,
        at=ahead(),
        channels=[toots.id],
        status=PostStatus.IN_REVIEW,
        body="Sourdough class on Saturday",
    )
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path=VERIFY)

    page = log_in(browser, base, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Channels").click()
    card = page.locator(".channel", has_text="Toots")
    assert "ok" == card.locator(".status").inner_text().lower()
    card.get_by_role("button", name="Test connection").click()
    card = page.locator(".channel", has_text="Toots")
    assert "The test failed:" in page.locator(".flashes").inner_text()
    assert card.locator(".status").inner_text().lower() == "connection test failed"
    detail = card.locator(".detail").inner_text()
    assert detail

    # At approval, the queue says why, and approving is refused with the channel's name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    item = page.locator(".queue-item", has_text="Sourdough class on Saturday")
    assert "Toots failed its last connection test" in item.inner_text()
    item.get_by_role("button", name="Approve", exact=True).click()
    assert "Toots failed its last connection test:" in page.content()
    assert desk.post(post).status == PostStatus.IN_REVIEW

    # The platform is back: a passing test clears the mark, and the post can be approved.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Channels").click()
    page.locator(".channel", has_text="Toots").get_by_role("button", name="Test connection").click()
    assert "Connected: @shop@127.0.0.1" in page.content()
    assert (
        page.locator(".channel", has_text="Toots").locator(".status").inner_text().lower() == "ok"
    )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    item = page.locator(".queue-item", has_text="Sourdough class on Saturday")
    assert "connection test" not in item.inner_text()
    item.get_by_role("button", name="Approve", exact=True).click()
    assert "Approved. It is queued for its time." in page.content()
    assert desk.post(post).status == PostStatus.APPROVED
