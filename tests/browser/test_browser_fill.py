"""A shop owner sets posting times, fills next month from their ideas, and repeats a post."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planner.timeutils import get_zone, next_month, to_local, utcnow
from tests.browser.conftest import screenshot_dir

pytestmark = pytest.mark.browser

ZONE = "Europe/London"


def _setup_shop(page, base: str) -> None:
    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill("Rosa Baker")
    page.get_by_label("Email").fill("rosa@shop.example")
    page.get_by_label("Password").fill("a-good-password")
    page.get_by_label("Business name").fill("Rosa's Rolls")
    page.get_by_label("Time zone").select_option(ZONE)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/channels/new")
    page.get_by_label("Name").fill("Shop outbox")
    page.get_by_label("Platform").select_option("outbox")
    page.get_by_role("button", name="Add channel").click()
    assert "Channel added." in page.content()


def test_posting_times_then_fill_next_month_from_ideas(page, live_server) -> None:
    base = live_server
    _setup_shop(page, base)
    for text, category in [
        ("How we proof our dough overnight", "educational"),
        ("Which roll should we bake on Sundays?", "conversational"),
        ("A lovely article about heritage wheat", "curated"),
    ]:
        page.goto(f"{base}/posts/new")
        page.get_by_label("Text").fill(text)
        page.get_by_label("Category").select_option(category)
        page.get_by_role("button", name="Save draft").click()
        assert "Draft saved." in page.content()

    page.get_by_role("link", name="Posting times").click()
    # One time on several days at once.
    for day in ("Mon", "Wed", "Fri"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Time", exact=True).fill("10:00")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "Posting time added on Monday, Wednesday and Friday." in page.content()
    assert page.locator(".slot").count() == 3

    first = next_month(to_local(utcnow(), get_zone(ZONE)).date())
    page.goto(f"{base}/ideas")
    page.get_by_label("Fill a month").select_option(f"{first:%Y-%m}")
    page.get_by_role("button", name="Propose a plan").click()
    page.wait_for_url("**/plan?month=*&id=*")
    assert page.get_by_role("heading", name=f"Plan for {first:%B %Y}").is_visible()
    assert page.locator(".plan-item").count() == 3
    assert "to fill" in page.locator(".plan-missing").inner_text()
    if shots := screenshot_dir():
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "fill-the-month.png"), full_page=True)
    page.locator(".plan-item").first.get_by_role("button", name="Take").click()
    assert page.locator(".plan-item").count() == 2
    page.get_by_role("button", name="Schedule 2 posts").click()
    page.wait_for_url(f"**/?month={first:%Y-%m}")
    assert "2 posts scheduled as drafts" in page.content()
    assert page.locator(".cal-post").count() == 2


def _next_tuesday(today: date) -> date:
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def test_a_weekly_post_with_a_count(page, live_server) -> None:
    base = live_server
    _setup_shop(page, base)
    tuesday = _next_tuesday(to_local(utcnow(), get_zone(ZONE)).date())
    page.goto(f"{base}/posts/new?date={tuesday.isoformat()}")
    page.get_by_label("Text").fill("Tuesday tip: keep your starter warm.")
    page.get_by_label("Category").select_option("educational")
    assert not page.get_by_label("Which one").is_visible()  # nothing to choose until asked
    page.get_by_label("How often").select_option("weekly")
    assert (
        page.get_by_label("Stops").is_visible() and not page.get_by_label("Which one").is_visible()
    )
    page.get_by_label("Tue", exact=True).check()
    page.get_by_label("Stops").select_option("count")
    page.get_by_label("How many posts in all").fill("4")
    if shots := screenshot_dir():
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "repeat-composer.png"), full_page=True)
    page.get_by_role("button", name="Save draft").click()
    assert "Every week on Tuesday at 10:00, 4 times" in page.content()
    if shots := screenshot_dir():
        page.screenshot(path=str(shots / "repeating-post.png"), full_page=True)
