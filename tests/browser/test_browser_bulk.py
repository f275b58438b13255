"""A helper sends a week of drafts to review in one go, the editor approves them all at once, and
the owner emails an invitation and copies its link."""

from __future__ import annotations

import pytest
from sqlmodel import select

from planner.models import Post, PostStatus, Role, SeriesOccurrence
from planner.services import recurrence
from planner.timeutils import utcnow
from tests.browser.test_browser_review import log_in
from tests.factories import access_of, ahead, make_channel, make_post

pytestmark = pytest.mark.browser


def _statuses(session, posts) -> list[str]:
    session.expire_all()
    return [session.get(type(p), p.id).status for p in posts]


def test_select_all_to_submit_then_to_approve(browser, live_server, auth, session) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    editor = auth.user("editor@example.com", workspace=owner.workspace, role=Role.EDITOR)
    helper = auth.user("helper@example.com", workspace=owner.workspace, role=Role.CONTRIBUTOR)
    feed = make_channel(session, owner.workspace, "Shop feed")
    drafts = [
        make_post(
            session, helper, at=ahead(3 + i), channels=(feed.id,), body=f"Loaf of the day {i}"
        )
        for i in range(3)
    ]

    writer = log_in(browser, base, helper)
    writer.goto(f"{base}/list")
    writer.get_by_label("Select all drafts").check()
    assert writer.locator("input[name=post_ids]:checked").count() == 3
    writer.get_by_role("button", name="Submit selected for review").click()
    assert "Submitted 3 posts for review." in writer.locator(".flashes").inner_text()
    assert _statuses(session, drafts) == [PostStatus.IN_REVIEW] * 3

    reviewer = log_in(browser, base, editor)
    reviewer.goto(f"{base}/review")
    select_all = reviewer.get_by_label("Select all")
    select_all.check()
    assert reviewer.locator("input[name=post_ids]:checked").count() == 3
    reviewer.locator("input[name=post_ids]").first.uncheck()
    assert select_all.is_checked() is False  # one untick clears "all"
    select_all.check()
    reviewer.get_by_role("button", name="Approve selected").click()
    assert "Approved 3 posts." in reviewer.locator(".flashes").inner_text()
    assert _statuses(session, drafts) == [PostStatus.APPROVED] * 3


def test_an_invitation_is_emailed_and_its_link_copied(browser, live_server, auth) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    page = log_in(browser, base, owner)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    page.goto(f"{base}/settings/members")
    page.get_by_label("Email (optional: we send the link there)").fill("ed@example.com")
    page.get_by_label("Role", exact=True).last.select_option("editor")
    page.get_by_role("button", name="Create invitation link").click()

    assert "Invitation emailed to ed@example.com." in page.locator(".flashes").inner_text()
    link = page.get_by_label("Link").input_value()
    page.get_by_role("button", name="Copy link").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link


def test_a_whole_repeating_series_is_submitted_from_one_of_its_posts(
    browser, live_server, auth, session
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    auth.user("editor@example.com", workspace=owner.workspace, role=Role.EDITOR)
    feed = make_channel(session, owner.workspace, "Shop feed")
    first = make_post(session, owner, at=ahead(2), channels=(feed.id,), body="Soup of the week")
    series = recurrence.start_series(
        session=session, acc=access_of(owner), post=first, rrule="FREQ=WEEKLY;COUNT=3", now=utcnow()
    )
    session.commit()

    page = log_in(browser, base, owner)
    page.goto(f"{base}/posts/{first.id}")
    page.get_by_role("button", name="Submit the whole series (3 drafts)").click()

    assert "Submitted 3 posts of this series for review." in page.locator(".flashes").inner_text()
    assert "editor@example.com has been told." in page.locator(".flashes").inner_text()
    session.expire_all()
    posts = session.exec(
        select(Post).join(SeriesOccurrence).where(SeriesOccurrence.series_id == series.id)
    ).all()
    assert sorted(p.status for p in posts) == [PostStatus.IN_REVIEW] * 3
