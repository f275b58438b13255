"""The composer's live counters count exactly as the server does, for every platform."""

from __future__ import annotations

import pytest

from planner.connectors import text as textlib
from tests.browser.test_browser_review import log_in
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.browser

SAMPLES = [
    "Hello 👍🏽 world",
    "Fresh rye today, see https://shop.example/rye.",
    "(our menu: https://shop.example/menu_(2027)) and more",
    "Thanks @anna@mastodon.social and @bob for the tip!",
    "Ünïcödé https://bäckerei.example/brötchen?sorte=roggen#oben!",
    "Family day 👨‍👩‍👧‍👦 at the bakery; flags 🇫🇷🇩🇪 too",
    "Not a link: https:// and www.shop.example",
    "Two links https://a.example/x and http://b.example:8080/y?z=1",
]


def test_browser_counts_match_the_servers(page, live_server) -> None:
    page.goto(f"{live_server}/login")
    for sample in SAMPLES:
        js = page.evaluate(
            """s => [
                window.plannerCount("mastodon", s),
                window.plannerCount("mastodon", s, 30),
                window.plannerCount("bluesky", s),
                window.plannerCount("webhook-discord", s),
            ]""",
            sample,
        )
        server = [
            textlib.mastodon_length(sample, 23),
            textlib.mastodon_length(sample, 30),
            textlib.graphemes(sample),
            len(sample),  # Discord counts code points
        ]
        assert js == server, sample


def test_bluesky_counter_shows_the_byte_limit_too(
    browser, live_server, app, auth, session, fake_bluesky
) -> None:
    owner = auth.user("owner@example.com")
    desk = Desk(app, session, owner)
    sky = desk.bluesky(fake_bluesky, "Sky")
    page = log_in(browser, live_server, owner)
    page.goto(f"{live_server}/posts/new")
    page.get_by_label("Sky").check()
    counter = page.locator(f'[data-counter-for="{sky.id}"] .counter-value')
    page.get_by_label("Text").fill("👨‍👩‍👧‍👦" * 150)  # 150 characters, but 3,750 bytes
    assert counter.inner_text() == "750 bytes over Bluesky's 3000-byte limit"
    page.get_by_label("Text").fill("👨‍👩‍👧‍👦" * 100)
    assert counter.inner_text() == "200 left of 300"
