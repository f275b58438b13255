"""A shop owner brings last season's plan from a spreadsheet and tags links to their shop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_browser_planning import register

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data" / "csv"


def add_channel(page, base: str, name: str) -> None:
    page.goto(f"{base}/channels/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Platform").select_option("outbox")
    page.get_by_role("button", name="Add channel").click()
    assert "Channel added." in page.content()


def test_import_a_file_with_progress_then_tag_links(page, live_server) -> None:
    base = live_server
    register(page, base)
    add_channel(page, base, "Mastodon")
    add_channel(page, base, "Bluesky")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import & export").click()
    page.get_by_label("CSV file", exact=True).set_input_files(str(DATA / "template_windows.csv"))
    # Record what the progress line says (in sessionStorage, which outlives the page change).
    page.evaluate(
        """() => {
            const line = document.getElementById("upload-status");
            new MutationObserver(() => {
                const seen = JSON.parse(sessionStorage.getItem("seen") || "[]");
                sessionStorage.setItem("seen", JSON.stringify([...seen, line.textContent]));
            }).observe(line, { childList: true, characterData: true, subtree: true });
        }"""
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/import/\d+$"))
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('seen') || '[]')")
    assert seen[0] == "Sending the file…" and "Checking every row…" in seen
    assert seen[-1] == "Done. Opening the preview…"
    assert page.get_by_role("heading", name="4 of 4 rows ready to import").is_visible()
    page.get_by_label("Import line 6").uncheck()
    page.get_by_role("button", name="Import the ticked rows as drafts").click()
    page.wait_for_url(f"{base}/?month=2026-03")
    assert "Imported 3 posts as drafts." in page.content()
    assert page.locator("#day-2026-03-30 .cal-post").inner_text().count("10:00") == 1

    # A file the script sends and the server refuses: the error appears by the field.
    page.goto(f"{base}/import/")
    page.get_by_label("What kind of file is it?").select_option("buffer")
    page.get_by_label("CSV file", exact=True).set_input_files(str(DATA / "buffer.csv"))
    page.get_by_role("button", name="Check the file").click()
    error = page.locator(".js-field-error")
    error.wait_for()
    assert error.inner_text() == "Choose the channel this Buffer file is for."
    assert (
        page.get_by_label("Channel for rows that name none").get_attribute("aria-invalid") == "true"
    )

    page.goto(f"{base}/settings/links")
    page.get_by_label("Tag links to my website when posts go out").check()
    page.get_by_label("My website addresses").fill("shop.example")
    page.get_by_role("button", name="Save").click()
    assert "Link settings saved." in page.content()

    page.goto(f"{base}/posts/new?date=2026-04-01")
    page.get_by_label("Mastodon").check()
    page.get_by_label("Link (optional)").fill("https://www.shop.example/oils")
    preview = page.locator("#link-preview li")
    preview.first.wait_for()
    assert preview.inner_text() == (
        "Mastodon: https://www.shop.example/oils"
        "?utm_source=outbox&utm_medium=social&utm_campaign=2026-04"
    )
    page.get_by_label("Campaign tag (optional)").fill("spring")
    page.wait_for_function(
        "() => document.querySelector('#link-preview li').textContent.endsWith('campaign=spring')"
    )
    # The counter counts what the channel will get: the tagged link, in place of the quoted one.
    tagged = "https://www.shop.example/oils?utm_source=outbox&utm_medium=social&utm_campaign=spring"
    page.get_by_label("Text").fill("  Spring oils: https://www.shop.example/oils  ")
    counter = page.locator("[data-counter-for]:not([hidden]) .counter-value")
    assert counter.inner_text() == f"{len('Spring oils: ' + tagged)} characters"
    page.get_by_label("Text").fill("Spring oils are here")
    assert counter.inner_text() == f"{len('Spring oils are here') + 1 + len(tagged)} characters"

    page.goto(f"{base}/print?month=2026-03")
    assert page.get_by_role("button", name="Print").is_visible()
    assert page.locator(".print-month li.p").count() == 3
