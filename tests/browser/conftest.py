"""Browser fixtures: the app served on loopback by a real HTTP server, driven in Debian's Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.fakes.fixtures import fake_bluesky, fake_mastodon  # noqa: F401  (platforms for pages)

CHROMIUM = os.environ.get("PLANNER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture()
def live_server(app_config) -> Iterator[str]:
    """Serve a fresh app (CSRF on, as in production) on an ephemeral loopback port."""
    from planner import create_app
    from planner.db import get_engine

    config = {**app_config, "WTF_CSRF_ENABLED": True}
    config.pop("SERVER_NAME", None)
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    if app.config.get("BASE_URL_DERIVED"):  # links in mail, OAuth redirect URIs: this server
        app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        get_engine(app).dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def log_in(page, base: str, member) -> None:
    """Log *member* in through the login form and wait for the month view."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill(member.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def screenshot_dir() -> Path | None:
    """Where to save README screenshots (set PLANNER_SCREENSHOT_DIR, e.g. by `make screenshots`)."""
    raw = os.environ.get("PLANNER_SCREENSHOT_DIR")
    return Path(raw) if raw else None
