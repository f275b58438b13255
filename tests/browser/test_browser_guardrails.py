"""The demo bakery's month: warnings on the calendar, and the composer's live what-if."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from planner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from planner.timeutils import get_zone, to_local, utcnow
from tests.browser.conftest import screenshot_dir

pytestmark = pytest.mark.browser


@pytest.fixture()
def demo_server(live_server, app):
    from planner.db import get_engine

    with Session(get_engine(app)) as session:
        load_demo(session=session, now=utcnow(), password_method="pbkdf2:sha256:1000")
        session.commit()
    return live_server


def login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def drag_over(page, source, target, target_day) -> None:
    """Pick *source* up and hold it over *target* until the what-if for that day shows."""
    # Centre the target (at most a row from the source): a drag near the window's edge makes
    # Chromium scroll the page under the pointer.
    target.evaluate("el => el.scrollIntoView({block: 'center'})")
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5, steps=5)
    page.locator("#drag-whatif").wait_for(state="visible")
    # The what-if floats over the page, so showing it moved nothing under the pointer.
    assert target.bounding_box() == box
    # Previews for cells crossed on the way may show first; wait for the target's.
    page.wait_for_function(
        "day => document.querySelector('#drag-whatif').innerText.includes('Moving it to ' + day)",
        arg=target_day.isoformat(),
    )


def test_demo_month_marks_warnings_and_composer_previews_them(page, demo_server) -> None:
    login(page, demo_server)
    today = to_local(utcnow(), get_zone("Europe/London")).date()
    panel = page.locator(".guardrail-panel")
    assert panel.locator("li.warning").count() >= 1
    assert page.locator(".day.has-warning").count() >= 1
    # Today holds the flash sale that starts three promotions in a row.
    assert "Flash sale" in page.locator(f"#day-{today.isoformat()}").inner_text()
    if shots := screenshot_dir():
        # The README shows the month holding most of the demo's four weeks (a week back, three on).
        middle = today + timedelta(days=7)
        page.goto(f"{demo_server}/?month={middle:%Y-%m}")
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "month-view.png"), full_page=True)
        page.locator(".guardrail-panel").screenshot(path=str(shots / "guardrails-panel.png"))

    # A fourth promotion right after the run: the composer warns before anything is saved.
    day = today + timedelta(days=3)
    page.goto(f"{demo_server}/posts/new?date={day.isoformat()}")
    page.get_by_label("Text").fill("Another sale!")
    page.get_by_label("Category").select_option("promotional")
    page.get_by_label("Bakery feed (outbox)").check()
    page.get_by_label("Time").fill("09:00")
    whatif = page.locator("#composer-whatif")
    page.wait_for_function(
        "() => document.querySelector('#composer-whatif').innerText.includes('in a row')"
    )
    # The run of four is already there: the same warning, worse, never a new one.
    assert "Saving this makes" in whatif.inner_text()
    assert (
        "Worse: promotional posts in a row on Bakery feed (outbox): 4 in a row → 5 in a row"
        in whatif.inner_text()
    )
    assert "Saving this adds" not in whatif.inner_text()
    # Changing the category to a question leaves the streak alone.
    page.get_by_label("Category").select_option("conversational")
    page.wait_for_function(
        "() => !document.querySelector('#composer-whatif').innerText.includes('in a row')"
    )


def test_dragging_a_post_previews_its_guardrail_effect_before_the_drop(page, demo_server) -> None:
    page.set_viewport_size({"width": 1280, "height": 2400})  # the whole month on screen
    login(page, demo_server)
    # Tomorrow's post is still ahead (today's may be published already, and cannot be dragged).
    tomorrow = to_local(utcnow(), get_zone("Europe/London")).date() + timedelta(days=1)
    page.goto(f"{demo_server}/?month={tomorrow:%Y-%m}")
    source = page.locator(f"#day-{tomorrow.isoformat()} .cal-post").first
    target_day = tomorrow + timedelta(days=5)
    if target_day.month != tomorrow.month:  # stay inside the month on screen
        target_day = tomorrow - timedelta(days=5)
    target = page.locator(f"#day-{target_day.isoformat()}")
    drag_over(page, source, target, target_day)
    whatif = page.locator("#drag-whatif")
    text = whatif.inner_text()
    assert f"Moving it to {target_day.isoformat()}" in text and "warning" in text
    # Dropping back where it was changes nothing.
    back = page.locator(f"#day-{tomorrow.isoformat()}").bounding_box()
    page.mouse.move(back["x"] + 10, back["y"] + 10, steps=5)
    page.mouse.up()
    assert page.locator(f"#day-{tomorrow.isoformat()} .cal-post").count() >= 1


def test_dragging_in_the_week_view_previews_too(page, demo_server) -> None:
    login(page, demo_server)
    tomorrow = to_local(utcnow(), get_zone("Europe/London")).date() + timedelta(days=1)
    # Another day of the same Monday-to-Sunday week.
    target_day = tomorrow + timedelta(days=1 if tomorrow.weekday() < 6 else -1)
    page.goto(f"{demo_server}/week?date={tomorrow.isoformat()}")
    source = page.locator(f'.day[data-date="{tomorrow.isoformat()}"] .cal-post').first
    target = page.locator(f'.day[data-date="{target_day.isoformat()}"]')
    drag_over(page, source, target, target_day)
    source_box = source.bounding_box()
    page.mouse.move(source_box["x"] + 5, source_box["y"] + 5, steps=5)
    page.mouse.up()
