"""On first run, Insights shows what each kind of demo post earned, as bars with their numbers."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from planner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from planner.timeutils import utcnow
from tests.browser.conftest import screenshot_dir
from tests.conftest import FAST_HASH

pytestmark = pytest.mark.browser


def test_insights_shows_the_category_bars_of_the_demo(page, live_server, session: Session) -> None:
    base = live_server
    assert load_demo(session=session, now=utcnow(), password_method=FAST_HASH)
    session.commit()

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    page.wait_for_url(f"{base}/insights")

    chart = page.get_by_role("img", name="Score by category")
    bars = chart.locator("g.insights-bar")
    assert bars.count() == 4
    drawn = {}
    for i in range(4):
        bar = bars.nth(i)
        width = float(bar.locator("rect").get_attribute("width") or 0)
        drawn[bar.get_attribute("data-category")] = (
            width,
            bar.locator(".bar-number").text_content() or "",
        )
    measured = {c: (w, text) for c, (w, text) in drawn.items() if not text.endswith("0 posts")}
    # The demo's published posts carry figures, so some bars are drawn, each with its number.
    assert measured, drawn
    assert all(width > 0 and " from " in text for width, text in measured.values())
    # The table repeats the bars' figures for reading and copying.
    table = page.locator("table.insights-table")
    for category, (_width, text) in drawn.items():
        score = text.split(" from ")[0]
        row = table.locator(f"tr[data-category='{category}']")
        assert score in row.inner_text()
    assert "replies each" in page.locator(".insights-summary").first.inner_text()
    if shots := screenshot_dir():
        page.screenshot(path=str(shots / "insights.png"), full_page=True)

    page.get_by_label("Show").select_option("quarter")
    page.get_by_role("button", name="Show", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Insights: Q")
    assert page.get_by_role("img", name="Score by category").locator("g.insights-bar").count() == 4
    # The wide table scrolls in its own region, which the keyboard can reach and names.
    region = page.get_by_role("region", name="Figures by category")
    assert region.locator("table.insights-table").count() == 1
    assert region.get_attribute("tabindex") == "0"


def test_on_a_phone_the_charts_fit_and_the_table_scrolls_in_its_box(
    browser, live_server, session: Session
) -> None:
    base = live_server
    assert load_demo(session=session, now=utcnow(), password_method=FAST_HASH)
    session.commit()
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{base}/login")
        page.get_by_label("Email").fill(DEMO_EMAIL)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/insights?period=quarter")

        # One chart of each kind is shown: the narrow layout, as wide as the card allows.
        chart = page.get_by_role("img", name="Score by category")
        assert chart.count() == 1 and "chart-narrow" in (chart.get_attribute("class") or "")
        box = chart.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
        # Its labels stand above the bars, so they keep their size: nearly 14 px on screen.
        label = chart.locator("g.insights-bar text").first.bounding_box()
        assert label and label["height"] >= 12
        weeks = page.get_by_role("img", name="Score per week")
        assert weeks.count() == 1 and "chart-narrow" in (weeks.get_attribute("class") or "")

        region = page.get_by_role("region", name="Figures by category")
        width, inner = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width > inner  # the table is wider than the phone, and scrolls in its box
        region.focus()
        page.keyboard.press("ArrowRight")
        # Polled from here: the page's CSP forbids the string eval wait_for_function would use.
        for _ in range(40):
            if region.evaluate("el => el.scrollLeft") > 0:
                break
            page.wait_for_timeout(50)
        assert region.evaluate("el => el.scrollLeft") > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
