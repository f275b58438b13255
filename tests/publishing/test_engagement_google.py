"""Google Business Profile gives no per-post figures: nothing is read, and the page says so."""

from __future__ import annotations

from typing import Any

from planner.connectors.google_business import GoogleBusinessConnector
from planner.models import PostStatus
from planner.publishing import engagement_job
from planner.services import deliveries
from tests.conftest import NOW, Auth
from tests.factories import add_post
from tests.publishing.conftest import Desk
from tests.publishing.test_publishing_networks import (  # noqa: F401 (fixtures)
    fakes,
    google_channel,
    networks,
)


def test_google_posts_are_never_read_and_their_page_says_no_figures(
    client,
    api,
    auth: Auth,
    networks: Desk,  # noqa: F811
    fakes: dict[str, Any],  # noqa: F811
) -> None:
    google = fakes["google_business"]
    channel = google_channel(networks, google)
    post = add_post(
        networks.session,
        networks.member,
        at=NOW,
        body="Fresh rye on Saturday",
        status=PostStatus.APPROVED,
        channels=[channel.id],
        commit=False,
    )
    deliveries.schedule_for_post(
        session=networks.session, post=post, channel_ids=[channel.id], now=NOW
    )
    networks.session.commit()
    assert networks.tick() == 1
    delivery = networks.delivery(post)
    assert delivery.status == "published" and delivery.external_id
    calls = len(google.requests)

    assert engagement_job.run(networks.app, now=NOW) == 0
    assert google.requests[calls:] == []  # not even asked
    connector = GoogleBusinessConnector(channel_config(google))
    assert connector.gives_engagement is False
    assert connector.engagement(delivery.external_id) is None

    auth.login(client, networks.member)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "This platform gives no figures." in page
    assert "Refresh now" not in page  # nothing on the post could be read
    body = api(networks.member).get(f"/api/v1/posts/{post.id}/engagement").get_json()
    [row] = body["channels"]
    assert row["available"] is False and row["history"] == []
    month = NOW.strftime("%Y-%m")
    insights = client.get(f"/insights?month={month}&channel={channel.id}").get_data(as_text=True)
    assert "Google Business Profile gives no figures, so posts on" in insights


def channel_config(google: Any) -> dict[str, str]:
    _, refresh = google.tokens()
    return {"account": google.account, "location": "locations/4321", "refresh_token": refresh}
