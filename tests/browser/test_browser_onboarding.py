"""A new owner's first minutes: their zone guessed, first steps ticked off, no guessed category."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from planner.timeutils import get_zone, next_month, to_local, utcnow

pytestmark = pytest.mark.browser

ZONE = "America/Denver"  # not the server's default (Europe/London): it must come from the browser


def test_first_steps_after_registering(browser, live_server, monkeypatch) -> None:
    base = live_server
    # The 25th: "Fill a month" should offer next month (the planning pages read this clock).
    late = datetime(2026, 3, 25, 18, tzinfo=UTC)
    monkeypatch.setattr("planner.web.planning.utcnow", lambda: late)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id=ZONE
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{base}/register")
        assert page.get_by_label("Time zone").input_value() == ZONE
        page.get_by_label("Email").fill("owner@shop.example")
        page.get_by_label("Password").fill("short")
        page.get_by_label("Business name").fill("Mesa Roasters")
        page.get_by_role("button", name="Create account").click()
        password_box = page.locator(".field", has=page.get_by_label("Password"))
        assert password_box.inner_text().lower().count("8 characters") == 1
        assert page.get_by_label("Time zone").input_value() == ZONE  # kept, not guessed again
        page.get_by_label("Password").fill("a-good-password")
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(f"{base}/")

        steps = page.get_by_role("region", name=re.compile("First steps"))
        assert "0 of 4 done" in steps.inner_text()
        assert steps.locator("li.done").count() == 0
        steps.get_by_role("link", name="Add a channel").click()
        page.get_by_label("Name").fill("Roastery outbox")
        page.get_by_label("Platform").select_option("outbox")
        page.get_by_role("button", name="Add channel").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Month").click()
        assert "1 of 4 done" in steps.inner_text()
        assert (
            steps.locator("li.done")
            .inner_text()
            .endswith(
                "Add a channel: where your posts go; an Outbox lets you try publishing safely."
            )
        )

        # The composer guesses no category: saving without one says so and keeps the text.
        steps.get_by_role("link", name="Draft your first posts").click()
        assert page.get_by_label("Category").input_value() == ""
        page.get_by_label("Text").fill("Fresh Ethiopian beans this week")
        page.get_by_role("button", name="Save draft").click()
        assert "Choose a category: the guardrails count posts by it." in page.content()
        assert page.get_by_label("Text").input_value() == "Fresh Ethiopian beans this week"
        page.get_by_label("Category").select_option("educational")
        page.get_by_role("button", name="Save draft").click()
        assert "Draft saved." in page.content()
        page.goto(f"{base}/")
        assert "2 of 4 done" in steps.inner_text()

        # Month to Week keeps the time viewed: next month's first week, not this one.
        today = to_local(utcnow(), get_zone(ZONE)).date()
        later = next_month(today.replace(day=1))
        page.get_by_role("link", name=re.compile("Next month")).click()
        page.get_by_role("group", name="View").get_by_role("link", name="Week").click()
        monday = later.toordinal() - later.weekday()
        start = later.fromordinal(monday)
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == f"Week of {start.day} {start:%B %Y}"

        # Fill a month offers April on 25 March.
        page.goto(f"{base}/ideas")
        assert page.get_by_label("Fill a month").input_value() == "2026-04"

        # Hidden for good once dismissed.
        page.goto(f"{base}/")
        steps.get_by_role("button", name="Hide these steps").click()
        assert "First steps hidden" in page.content()
        assert page.get_by_role("region", name=re.compile("First steps")).count() == 0
    finally:
        context.close()
