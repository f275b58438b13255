"""The publishing page, the post page's results, the reconnect form and the banner."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlmodel import select

from planner.models import AuditEvent, Channel, ChannelStatus, Role
from planner.timeutils import utcnow
from tests.conftest import NOW, Auth
from tests.fakes import FakeMastodon, FakeWebhook
from tests.publishing.conftest import Desk

STATUSES = "/api/v1/statuses"


def owner_client(client: FlaskClient, auth: Auth, desk: Desk) -> FlaskClient:
    return auth.login(client, desk.member)


def test_page_shows_each_section(
    client: FlaskClient, auth: Auth, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")}, name="Shop hook")
    done = desk.approved_post([hook], body="Already out")
    failing = desk.approved_post([hook], body="Refused one")
    desk.approved_post([hook], at=NOW + timedelta(days=1), body="Tomorrow's post")
    fake_webhook.fail_next(422, {"error": "Body rejected"}, times=1)
    desk.tick()
    assert {desk.delivery(done).status, desk.delivery(failing).status} == {"published", "failed"}

    page = owner_client(client, auth, desk).get("/publishing/")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    attention = html.split('id="attention-title"')[1].split('id="flight-title"')[0]
    upcoming = html.split('id="upcoming-title"')[1].split('id="published-title"')[0]
    published = html.split('id="published-title"')[1]
    assert "Body rejected" in attention and "Retry" in attention and "Reschedule" in attention
    assert "Tomorrow&#39;s post" in upcoming
    assert "Already out" in published or "Refused one" in published
    assert 'href="/publishing/"' in html  # the nav link


def test_retry_button_queues_the_delivery_again(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    post = desk.approved_post([channel])
    fake_mastodon.fail_next(422, {"error": "Validation failed: try later"}, path=STATUSES)
    desk.tick()
    delivery = desk.delivery(post)

    resp = owner_client(client, auth, desk).post(
        f"/publishing/deliveries/{delivery.id}/retry", data={"next": f"/posts/{post.id}"}
    )

    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/posts/{post.id}")
    delivery = desk.delivery(post)
    assert (delivery.status, delivery.attempts) == ("queued", 0)
    assert desk.post(post).status == "approved"
    desk.tick(utcnow())  # the view retried at the real time
    assert desk.delivery(post).status == "published"
    assert desk.post(post).status == "published"


def test_cancel_button_stops_a_queued_delivery(
    client: FlaskClient, auth: Auth, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    post = desk.approved_post([hook], at=NOW + timedelta(hours=1))
    delivery = desk.delivery(post)

    resp = owner_client(client, auth, desk).post(f"/publishing/deliveries/{delivery.id}/cancel")

    assert resp.status_code == 302
    assert desk.delivery(post).status == "cancelled"
    desk.tick(NOW + timedelta(hours=1))
    assert fake_webhook.posts == []


def test_contributors_see_but_cannot_retry(
    client: FlaskClient, auth: Auth, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    post = desk.approved_post([hook])
    fake_webhook.fail_next(400, {"error": "Bad"})
    desk.tick()
    helper = auth.user(workspace=desk.member.workspace, role=Role.CONTRIBUTOR)
    auth.login(client, helper)

    assert client.get("/publishing/").status_code == 200
    resp = client.post(f"/publishing/deliveries/{desk.delivery(post).id}/retry")
    assert resp.status_code == 403
    assert desk.delivery(post).status == "failed"


def test_other_workspaces_deliveries_do_not_exist(
    client: FlaskClient, auth: Auth, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    post = desk.approved_post([hook], at=NOW + timedelta(hours=1))
    stranger = auth.user()
    auth.login(client, stranger)

    resp = client.post(f"/publishing/deliveries/{desk.delivery(post).id}/cancel")

    assert resp.status_code == 404
    assert desk.delivery(post).status == "queued"
    assert "Fresh bread" not in client.get("/publishing/").get_data(as_text=True)


def test_post_page_shows_each_channels_result(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = desk.channel(
        "mastodon",
        {"instance_url": fake_mastodon.url, "access_token": "test-token"},
        name="Toots",
    )
    outbox = desk.channel("outbox", {}, name="Local file")
    post = desk.approved_post([channel, outbox])
    desk.tick()
    [status] = fake_mastodon.posts

    html = owner_client(client, auth, desk).get(f"/posts/{post.id}").get_data(as_text=True)

    section = html.split('id="deliveries-title"')[1]
    assert "Toots" in section and "Local file" in section
    assert f'href="{status["url"]}"' in section
    assert section.count("status-published") == 2


def test_banner_and_reconnect_form(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = desk.channel(
        "mastodon",
        {"instance_url": fake_mastodon.url, "access_token": "old-token"},
        name="Toots",
    )
    post = desk.approved_post([channel])
    desk.tick()
    assert desk.reload(channel).status == ChannelStatus.NEEDS_REAUTH
    owner = owner_client(client, auth, desk)

    for path in ("/publishing/", "/channels/", f"/posts/{post.id}"):
        html = owner.get(path).get_data(as_text=True)
        assert (
            "need" in html
            and "reconnecting" in html
            and f"/channels/{channel.id}/reconnect" in html
        )

    form = owner.get(f"/channels/{channel.id}/reconnect").get_data(as_text=True)
    assert fake_mastodon.url in form  # the server address is prefilled
    assert "old-token" not in form  # the secret is never shown back

    resp = owner.post(f"/channels/{channel.id}/reconnect", data={"access_token": "test-token"})

    assert resp.status_code == 302
    assert desk.reload(channel).status == ChannelStatus.OK
    assert "reconnecting" not in owner.get("/publishing/").get_data(as_text=True).split("<main")[1]
    assert "channel_reconnected" in desk.session.exec(select(AuditEvent.action)).all()
    desk.tick(NOW + timedelta(minutes=1))
    assert desk.delivery(post).status == "published"


def test_reconnect_refuses_bad_input_and_non_owners(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "old-token"}
    )
    owner = owner_client(client, auth, desk)

    resp = owner.post(f"/channels/{channel.id}/reconnect", data={"access_token": "has space"})
    assert resp.status_code == 422
    assert "cannot contain spaces" in resp.get_data(as_text=True)

    editor = auth.user(workspace=desk.member.workspace, role=Role.EDITOR)
    client.post("/logout")
    auth.login(client, editor)
    assert client.get(f"/channels/{channel.id}/reconnect").status_code == 403


def test_test_connection_button_reads_the_servers_limit_or_says_what_failed(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    fake_mastodon.max_characters = 5000
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    web = owner_client(client, auth, desk)
    page = web.get("/channels/").get_data(as_text=True)
    assert 'Test connection<span class="visually-hidden"> of Toots' in page
    # Before the test, the composer counts against Mastodon's usual 500.
    assert 'data-limit="500"' in web.get("/posts/new").get_data(as_text=True)

    done = web.post(f"/channels/{toots.id}/test", follow_redirects=True).get_data(as_text=True)

    assert "Connected: @shop@127.0.0.1" in done
    assert 'data-limit="5000"' in web.get("/posts/new").get_data(as_text=True)

    fake_mastodon.token = "another-token"  # the token was revoked on the server
    failed = web.post(f"/channels/{toots.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "The test failed:" in failed
    assert desk.reload(toots).status == ChannelStatus.NEEDS_REAUTH


def test_contributors_see_no_test_button(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    helper = auth.user("helper@example.com", workspace=desk.member.workspace, role=Role.CONTRIBUTOR)
    web = auth.login(client, helper)
    assert "Test connection" not in web.get("/channels/").get_data(as_text=True)
    assert web.post(f"/channels/{toots.id}/test").status_code == 403


def test_a_new_or_reconnected_channel_is_tested_at_once(
    client: FlaskClient, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    fake_mastodon.max_characters = 1000
    web = owner_client(client, auth, desk)
    form = {"name": "Toots", "platform": "mastodon", "instance_url": fake_mastodon.url}

    added = web.post("/channels/new", data={**form, "access_token": "test-token"})
    page = web.get(added.headers["Location"]).get_data(as_text=True)

    assert "Channel added. Connected as @shop@127.0.0.1" in page
    # The server's own limit is known before the first post.
    assert 'data-limit="1000"' in web.get("/posts/new").get_data(as_text=True)

    [toots] = [c for c in desk.session.exec(select(Channel)) if c.name == "Toots"]
    fixed = {"instance_url": fake_mastodon.url, "access_token": "a-typo"}
    done = web.post(f"/channels/{toots.id}/reconnect", data=fixed, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Toots is reconnected. But the connection test failed:" in text
    assert desk.reload(toots).status == ChannelStatus.NEEDS_REAUTH
