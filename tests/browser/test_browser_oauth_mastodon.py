"""An owner connects a Mastodon account through the server's own sign-in page, in Chromium."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from planner.models import Channel
from tests.browser.conftest import log_in
from tests.fakes import FakeMastodon

pytestmark = pytest.mark.browser

SERVER = "mastodon.example"


@pytest.fixture()
def app_config(app_config: dict[str, Any], fake_mastodon: FakeMastodon) -> dict[str, Any]:
    """``mastodon.example`` is the fake on loopback, for API calls and the browser alike."""
    return {**app_config, "HOST_OVERRIDES": json.dumps({SERVER: fake_mastodon.url})}


def test_an_owner_connects_a_mastodon_account_with_real_redirects(
    page, live_server, auth, session, fake_mastodon: FakeMastodon
) -> None:
    base = live_server
    owner = auth.user("owner@example.com")
    log_in(page, base, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Channels").click()

    page.get_by_label("Your Mastodon server").fill(SERVER)
    page.get_by_role("button", name="Connect a Mastodon account").click()

    # On the server: its own page, at its own address.
    page.wait_for_url(f"{fake_mastodon.url}/oauth/authorize?*")
    assert "planner would like permission" in page.content()
    page.get_by_label("E-mail address").fill("owner@shop.test")
    page.get_by_label("Password").fill("bread-and-butter")
    page.get_by_role("button", name="Authorize").click()

    # Back on planner: the one account is offered, already chosen.
    page.wait_for_url(f"{base}/channels/oauth/mastodon/pick")
    choice = page.get_by_role("checkbox", name=f"@shop@{SERVER}")
    assert choice.is_checked()
    page.get_by_role("button", name="Connect", exact=True).click()

    page.wait_for_url(f"{base}/channels/")
    assert f"Connected @shop@{SERVER}" in page.locator(".flashes").inner_text()
    card = page.locator(".channel", has_text=f"@shop@{SERVER}")
    card.get_by_role("button", name="Test connection").click()
    assert f"Connected: @shop@{SERVER}" in page.locator(".flashes").inner_text()

    (channel,) = session.exec(select(Channel)).all()
    assert channel.config["instance_url"] == f"https://{SERVER}"
    assert len(fake_mastodon.requests_to("/oauth/token")) == 1


def test_saying_no_on_the_server_brings_the_owner_back_calmly(
    page, live_server, auth, session, fake_mastodon: FakeMastodon
) -> None:
    base = live_server
    log_in(page, base, auth.user("owner@example.com"))
    page.goto(f"{base}/channels/")
    page.get_by_label("Your Mastodon server").fill(SERVER)
    page.get_by_role("button", name="Connect a Mastodon account").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(f"{base}/channels/")
    assert "access was not allowed" in page.locator(".flashes").inner_text()
    assert session.exec(select(Channel)).all() == []
