"""A customer's reply shows up in the Inbox; answering it from planner puts the answer in the
thread and marks the reply done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planner.publishing import inbox_poll
from planner.timeutils import utcnow
from tests.browser.conftest import log_in, screenshot_dir
from tests.fakes import FakeMastodon
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser


def test_an_unanswered_reply_is_answered_from_the_inbox(
    page, live_server, app, auth, session, fake_mastodon: FakeMastodon
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    desk = Desk(app, session, owner)
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Mastodon"
    )
    desk.approved_post([toots], at=utcnow() - timedelta(minutes=1), body="Fresh focaccia")
    assert desk.tick(utcnow()) == 1
    [ours] = fake_mastodon.posts
    theirs = fake_mastodon.add_reply(ours["id"], "Do you deliver to <Leith>?")
    inbox_poll.tick(app, now=utcnow())  # the worker's inbox job, in-process

    log_in(page, base, owner)
    nav = page.get_by_role("navigation", name="Main")
    assert "1 open" in nav.get_by_role("link", name="Inbox").inner_text().replace("\n", " ")
    nav.get_by_role("link", name="Inbox").click()
    reply = page.get_by_role("listitem", name="Reply from Alice")
    assert "@shop Do you deliver to <Leith>?" in reply.inner_text()
    assert "Fresh focaccia" in page.get_by_role("heading", level=2).first.inner_text()

    box = reply.get_by_label("Your answer")
    assert box.input_value() == "@alice@elsewhere.example "  # Mastodon: the author is named
    box.fill("@alice@elsewhere.example Yes, every Friday.")
    assert "left of 500" in reply.locator(".counter-value").inner_text()
    if shots := screenshot_dir():
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "inbox.png"), full_page=True)
    reply.get_by_role("button", name="Send answer").click()
    assert "Your answer is on its way" in page.content()

    assert desk.tick(utcnow()) == 0  # no post was due: the tick sent the answer beside them
    [answer] = fake_mastodon.replies_to(theirs["id"])
    assert answer["text"] == "@alice@elsewhere.example Yes, every Friday."

    page.reload()
    assert "No replies are waiting." in page.content()
    assert "badge" not in page.get_by_role("link", name="Inbox").inner_html()
    page.get_by_role("link", name="Done").click()
    done = page.get_by_role("listitem", name="Reply from Alice")
    assert "Yes, every Friday." in done.inner_text()
    link = done.get_by_role("link", name="see it in the thread")
    assert link.get_attribute("href") == answer["url"]
