"""A delivery the platform turned away for now shows under "Needing attention" with its next
try, and the publishing page refreshes itself only while something is in flight."""

from __future__ import annotations

from flask.testing import FlaskClient

from planner.timeutils import utcnow
from tests.conftest import Auth
from tests.fakes import FakeMastodon
from tests.publishing.conftest import Desk

STATUSES = "/api/v1/statuses"


def _sections(html: str) -> tuple[str, str]:
    attention = html.split('id="attention-title"')[1].split('id="flight-title"')[0]
    upcoming = html.split('id="upcoming-title"')[1].split('id="published-title"')[0]
    return attention, upcoming


def test_a_retrying_delivery_needs_attention_with_its_next_try(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    post = desk.approved_post([toots], at=utcnow(), body="Bagels at dawn")
    fake_mastodon.fail_next(503, {"error": "Service busy"}, path=STATUSES)
    desk.tick(utcnow())
    delivery = desk.delivery(post)
    assert delivery.status == "retrying"

    html = auth.login(client, desk.member).get("/publishing/").get_data(as_text=True)

    attention, upcoming = _sections(html)
    assert "Bagels at dawn" in attention and "Bagels at dawn" not in upcoming
    assert "next try" in attention
    assert "go out again on their own" in attention
    assert 'data-refresh-seconds="10"' in html and "js/refresh.js" in html


def test_the_page_does_not_refresh_when_nothing_is_in_flight(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    desk.approved_post([toots], body="Published already")
    desk.tick()

    html = auth.login(client, desk.member).get("/publishing/").get_data(as_text=True)

    assert "data-refresh-seconds" not in html and "js/refresh.js" not in html


def test_the_page_refreshes_while_a_delivery_is_publishing(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    delivery = desk.delivery(desk.approved_post([toots], body="On its way"))
    delivery.status = "publishing"  # as the worker leaves it mid-publish
    desk.session.add(delivery)
    desk.session.commit()

    html = auth.login(client, desk.member).get("/publishing/").get_data(as_text=True)

    assert 'data-refresh-seconds="10"' in html
