"""A week with too many promotions: the warning offers a move, and one click fixes the week."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import log_in
from tests.factories import make_channel
from tests.web.test_web_suggestions import busy_month, plan_promo_week

pytestmark = pytest.mark.browser


def test_applying_a_suggested_move_clears_the_warning(page, live_server, auth, session) -> None:
    owner = auth.user("owner@example.com", timezone="UTC")
    feed = make_channel(session, owner.workspace, "Crumb feed")
    promos = plan_promo_week(session, owner, feed.id)
    first, monday = busy_month()
    log_in(page, live_server, owner)

    # The week of 2 promotions in 6 posts warns on the week view, its days marked.
    page.goto(f"{live_server}/week?date={monday.isoformat()}")
    week_warning = page.locator('.guardrail-panel li.warning[data-rule="max_share"]')
    assert week_warning.count() == 1
    assert week_warning.locator("li.suggestion").count() >= 1
    message = week_warning.locator(".warning-message").inner_text()
    assert "promotional" in message
    assert page.locator(f'.day.has-warning[data-date="{monday.isoformat()}"]').count() == 1

    # The month view shows the same warning, with a move and a category change to apply.
    page.goto(f"{live_server}/?month={first:%Y-%m}")
    page.locator(".guardrail-panel[data-suggestions-loaded]").wait_for()
    warning = page.locator('.guardrail-panel li.warning[data-rule="max_share"]')
    assert warning.count() == 1
    assert warning.locator(".warning-message").inner_text() == message
    move = warning.locator('li.suggestion[data-action="move"]')
    assert move.count() == 1
    assert warning.locator('li.suggestion[data-action="recategorize"]').count() == 1
    moved_id = int(move.get_attribute("data-post-id"))
    assert moved_id in (promos["monday"].id, promos["wednesday"].id)
    move.get_by_role("button", name=re.compile("^Apply")).click()

    # Back on the month: the post moved, the warning is gone.
    page.wait_for_url(re.compile(r"/\?month="))
    assert "Moved to" in page.locator(".flash").first.inner_text()
    assert page.locator('.guardrail-panel li.warning[data-rule="max_share"]').count() == 0
    moved = page.locator(f'.cal-post[data-post-id="{moved_id}"]')
    day = moved.get_attribute("data-date")
    assert day not in {(monday + timedelta(days=n)).isoformat() for n in range(7)}

    # The post's history records the move.
    page.goto(f"{live_server}/posts/{moved_id}")
    history = page.locator("ol.history").inner_text()
    new_day = date.fromisoformat(day)
    assert "Moved from" in history and f"to {new_day:%a} {new_day.day} {new_day:%b}" in history
