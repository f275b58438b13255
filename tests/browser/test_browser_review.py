"""A helper drafts, an editor sends it back with a comment, the helper reworks it, it is approved."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from planner.models import Role
from planner.timeutils import combine_local, get_zone, to_local, utcnow
from tests.factories import add_post, make_channel

pytestmark = pytest.mark.browser

ZONE = "America/New_York"


def log_in(browser, base: str, member):
    """A browser window of its own for one person, logged in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(member.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    return page


def test_draft_submit_reject_rework_approve_with_the_trail_in_order(
    browser, live_server, auth, session
) -> None:
    base = live_server
    owner = auth.user("owner@example.com", timezone=ZONE)
    ws = owner.workspace
    editor = auth.user("editor@example.com", workspace=ws, role=Role.EDITOR)
    helper = auth.user("helper@example.com", workspace=ws, role=Role.CONTRIBUTOR)
    feed = make_channel(session, ws, "Shop feed")
    day = to_local(utcnow(), get_zone(ZONE)).date() + timedelta(days=8)
    # The week already has a promotion: 80/20 allows one, so the helper's is one too many.
    add_post(
        session,
        owner,
        at=combine_local(day, time(8), get_zone(ZONE)),
        category="promotional",
        status="approved",
        channels=[feed.id],
    )

    # The helper drafts a promotion and submits it.
    writer = log_in(browser, base, helper)
    writer.goto(f"{base}/posts/new?date={day.isoformat()}")
    writer.get_by_label("Text").fill("Two-for-one olive oil this weekend!")
    writer.get_by_label("Category").select_option("promotional")
    writer.get_by_label("Time").fill("09:30")
    writer.get_by_role("button", name="Save draft").click()
    writer.wait_for_url(re.compile(r"/posts/\d+$"))
    post_url = writer.url
    writer.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review." in writer.content()
    assert writer.get_by_role("button", name="Approve").count() == 0  # helpers cannot approve

    # The editor sees it in the queue as it will appear, with its guardrail impact, and rejects.
    reviewer = log_in(browser, base, editor)
    reviewer.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    item = reviewer.locator(".queue-item")
    assert item.count() == 1
    assert "Two-for-one olive oil this weekend!" in item.locator(".as-published").inner_text()
    impact = item.get_by_role("region", name=re.compile("Guardrail impact"))
    assert "2 of 2 posts on Shop feed in the week of" in impact.inner_text()
    assert "are promotional; 80/20 allows 1." in impact.inner_text()
    item.get_by_label("Comment").fill("Say which oils, please.")
    item.get_by_role("button", name="Reject").click()
    assert "Rejected. The author can see your comment." in reviewer.content()
    assert reviewer.locator(".queue-item").count() == 0

    # The helper reads the comment, edits (back to a draft) and submits again.
    writer.goto(post_url)
    assert "Say which oils, please." in writer.locator("#comments").inner_text()
    writer.get_by_role("link", name="Edit").click()
    writer.get_by_label("Text").fill("Two-for-one on our Arbequina and Picual oils this weekend!")
    writer.get_by_role("button", name="Save draft").click()
    writer.wait_for_url(post_url)
    assert "Draft" in writer.locator(".post-head").inner_text()
    writer.get_by_role("button", name="Submit for review").click()
    assert "Submitted for review." in writer.content()

    # The editor approves the new text.
    reviewer.goto(f"{base}/review")
    item = reviewer.locator(".queue-item")
    assert "Arbequina and Picual" in item.inner_text()
    item.get_by_role("button", name="Approve").click()
    assert "Approved. It is queued for its time." in reviewer.content()

    # The post's trail shows every step, in order, with who did it.
    writer.goto(post_url)
    trail = [
        re.sub(r"\s+", " ", line) for line in writer.locator("ol.history > li").all_inner_texts()
    ]
    steps = [(t.split(" · ")[1], t.split(" · ")[2].split(" ")[0]) for t in trail]
    assert [s for s in steps if s[1] != "delivery"] == [
        ("helper@example.com", "created"),
        ("helper@example.com", "submitted"),
        ("editor@example.com", "rejected"),
        ("helper@example.com", "edited"),
        ("helper@example.com", "returned"),
        ("helper@example.com", "submitted"),
        ("editor@example.com", "approved"),
    ]
    assert "Say which oils, please." in trail[2]
    assert "Approved" in writer.locator(".post-head").inner_text()
