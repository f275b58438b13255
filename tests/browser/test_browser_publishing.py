"""A post the platform refused shows up as needing attention, in its words; retry, and it is live."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planner.timeutils import utcnow
from tests.browser.test_browser_review import log_in
from tests.fakes import FakeMastodon
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser

STATUSES = "/api/v1/statuses"


def test_refused_post_is_retried_from_the_publishing_page(
    browser, live_server, app, auth, session, fake_mastodon: FakeMastodon
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    desk = Desk(app, session, owner)
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Mastodon"
    )
    post = desk.approved_post([toots], at=utcnow() - timedelta(minutes=1), body="Focaccia at noon")
    fake_mastodon.fail_next(422, {"error": "Validation failed: Text is in a language we block"})
    assert desk.tick(utcnow()) == 1

    page = log_in(browser, base, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Publishing").click()
    attention = page.get_by_role("region", name="Needing attention")
    assert "Focaccia at noon" in attention.inner_text()
    assert "Validation failed: Text is in a language we block" in attention.inner_text()
    assert "Failed" in attention.locator(".status").inner_text()
    attention.get_by_role("button", name="Retry").click()
    assert "It will be published in a moment." in page.content()
    assert (
        "Nothing needs attention."
        in page.get_by_role("region", name="Needing attention").inner_text()
    )
    assert "Focaccia at noon" in page.get_by_role("region", name="Upcoming").inner_text()

    # The worker's next tick sends it; the page links to the live post.
    assert desk.tick(utcnow()) == 1
    page.reload()
    published = page.get_by_role("region", name="Published")
    [status] = fake_mastodon.posts
    assert (
        published.get_by_role("link", name="View the live post").get_attribute("href")
        == (status["url"])
    )
    assert (
        len(fake_mastodon.requests_to(STATUSES, "POST")) == 1
    )  # the retry (the refusal was scripted)

    # The post's own page shows the channel's result.
    page.goto(f"{base}/posts/{post.id}")
    result = page.get_by_role("region", name="Publishing")
    assert "Mastodon" in result.inner_text() and "Published" in result.inner_text()
