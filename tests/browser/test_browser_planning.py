"""A shop owner's first evening: register, draft for next Tuesday, drag it, filter the list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planner.timeutils import get_zone, to_local, utcnow
from tests.browser.conftest import screenshot_dir

pytestmark = pytest.mark.browser

ZONE = "America/New_York"


def _next_weekday(today: date, weekday: int) -> date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=days)


def register(page, base: str, email: str = "owner@shop.example") -> None:
    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill("Olive Owner")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a-good-password")
    page.get_by_label("Business name").fill("Olive's Oils")
    page.get_by_label("Time zone").select_option(ZONE)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")


def test_register_draft_next_tuesday_drag_to_wednesday_and_filter(page, live_server) -> None:
    base = live_server
    register(page, base)
    assert "Welcome! Olive's Oils is ready" in page.content()

    # An outbox channel, so the composer shows a counter.
    page.get_by_role("link", name="Channels").click()
    page.get_by_role("link", name="Add channel").click()
    page.get_by_label("Name").fill("Shop outbox")
    page.get_by_label("Platform").select_option("outbox")
    page.get_by_role("button", name="Add channel").click()
    assert "Channel added." in page.content()

    today = to_local(utcnow(), get_zone(ZONE)).date()
    tuesday = _next_weekday(today, 1)
    wednesday = tuesday + timedelta(days=1)
    page.goto(f"{base}/?month={tuesday:%Y-%m}")
    page.get_by_label(f"Draft a post on {tuesday:%A} {tuesday.day} {tuesday:%B %Y}").click()
    assert page.get_by_label("Date").input_value() == tuesday.isoformat()
    text = "Tasting night on Tuesday! Which oil should we open first?"
    page.get_by_label("Text").fill(text)
    page.get_by_label("Category").select_option("conversational")
    page.get_by_label("Shop outbox").check()
    assert (
        page.locator("[data-counter-for] .counter-value").first.inner_text()
        == f"{len(text)} characters"
    )
    page.get_by_label("Time").fill("21:30")  # already Wednesday in UTC: the day shown must be local
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved." in page.content()

    page.goto(f"{base}/?month={tuesday:%Y-%m}")
    tuesday_cell = page.locator(f"#day-{tuesday.isoformat()}")
    post = tuesday_cell.locator(".cal-post")
    assert post.count() == 1
    assert "21:30" in post.inner_text() and "Tasting night" in post.inner_text()
    if shots := screenshot_dir():
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "first-post.png"), full_page=True)

    post.drag_to(page.locator(f"#day-{wednesday.isoformat()}"))
    page.wait_for_function(
        "(id) => document.querySelector(`#${id} .cal-post`) !== null",
        arg=f"day-{wednesday.isoformat()}",
    )
    moved = page.locator(f"#day-{wednesday.isoformat()} .cal-post")
    assert "21:30" in moved.inner_text()
    assert page.locator(f"#day-{tuesday.isoformat()} .cal-post").count() == 0

    # A second post of another category, then filter the list view by category.
    page.goto(f"{base}/posts/new?date={wednesday.isoformat()}")
    page.get_by_label("Text").fill("Our new olive oil soap is here: 10% off this week.")
    page.get_by_label("Category").select_option("promotional")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="List").click()
    assert page.locator("tr.post-row").count() == 2
    page.get_by_label("Category").select_option("promotional")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tr.post-row")
    assert rows.count() == 1 and "olive oil soap" in rows.inner_text()
    assert page.get_by_label("Category").input_value() == "promotional"


def test_month_view_is_usable_on_a_phone_and_by_keyboard(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        register(page, live_server, email="phone@shop.example")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page scrolls sideways at 375 px ({width} px wide)"
        # Keyboard only: skip link, then tab to a day's + link and open the composer with Enter.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
        first_add = page.locator(".day:not(.other-month) .day-add").first
        first_add.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/posts/new?date=*")
        assert page.get_by_label("Text").is_visible()
    finally:
        context.close()
