"""API v1: a post's deliveries, retrying a delivery, and testing a channel."""

from __future__ import annotations

from datetime import timedelta

from planner.models import ChannelStatus, Role
from tests.conftest import NOW, Auth
from tests.fakes import FakeMastodon, FakeWebhook, closed_port_url
from tests.publishing.conftest import Desk

STATUSES = "/api/v1/statuses"


def test_post_deliveries_lists_each_channel(
    api, desk: Desk, fake_mastodon: FakeMastodon, fake_webhook: FakeWebhook
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    post = desk.approved_post([toots, hook])
    fake_webhook.fail_next(400, {"error": "Unknown field"})
    desk.tick()

    resp = api(desk.member).get(f"/api/v1/posts/{post.id}/deliveries")

    assert resp.status_code == 200
    rows = {row["channel_id"]: row for row in resp.get_json()["deliveries"]}
    [status] = fake_mastodon.posts
    assert rows[toots.id] == {
        "id": rows[toots.id]["id"],
        "channel_id": toots.id,
        "status": "published",
        "attempts": 1,
        "external_id": status["id"],
        "external_url": status["url"],
        "last_error": None,
        "published_at": rows[toots.id]["published_at"],
    }
    assert rows[toots.id]["published_at"].startswith(NOW.date().isoformat())
    assert rows[hook.id]["status"] == "failed"
    assert rows[hook.id]["last_error"] == "Unknown field"


def test_retry_from_failed_and_refusals(
    api, auth: Auth, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    failed = desk.approved_post([hook], body="Refused")
    fine = desk.approved_post([hook], body="Accepted")
    fake_webhook.fail_next(422, {"error": "No"})
    desk.tick()
    ids = {desk.delivery(p).status: desk.delivery(p).id for p in (failed, fine)}
    client = api(desk.member)

    resp = client.post(f"/api/v1/deliveries/{ids['failed']}/retry")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "queued"
    assert resp.get_json()["attempts"] == 0

    again = client.post(f"/api/v1/deliveries/{ids['published']}/retry")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"

    helper = auth.user(workspace=desk.member.workspace, role=Role.CONTRIBUTOR)
    assert api(helper).post(f"/api/v1/deliveries/{ids['failed']}/retry").status_code == 403
    stranger = auth.user()
    assert api(stranger).post(f"/api/v1/deliveries/{ids['failed']}/retry").status_code == 404
    assert api(stranger).get(f"/api/v1/posts/{failed.id}/deliveries").status_code == 404
    assert client.post("/api/v1/deliveries/999999/retry").status_code == 404


def test_retry_of_a_missed_delivery_publishes_now(
    api, desk: Desk, fake_webhook: FakeWebhook
) -> None:
    hook = desk.channel("webhook", {"url": fake_webhook.url_for("generic")})
    post = desk.approved_post([hook], at=NOW - timedelta(hours=3))
    desk.tick()
    assert desk.post(post).status == "missed"

    resp = api(desk.member).post(f"/api/v1/deliveries/{desk.delivery(post).id}/retry")

    assert resp.status_code == 200
    delivery = desk.delivery(post)
    assert delivery.status == "queued"
    desk.tick(delivery.next_attempt_at)
    assert desk.delivery(post).status == "published"
    assert desk.post(post).status == "published"
    assert len(fake_webhook.posts) == 1


def test_channel_test_reports_the_account(api, desk: Desk, fake_mastodon: FakeMastodon) -> None:
    channel = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    wid = desk.member.workspace.id

    resp = api(desk.member).post(f"/api/v1/workspaces/{wid}/channels/{channel.id}/test")

    assert resp.status_code == 200
    assert resp.get_json() == {"ok": True, "detail": "@shop@127.0.0.1"}


def test_channel_test_marks_refused_credentials(
    api, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "wrong-token"}
    )
    wid = desk.member.workspace.id
    path = f"/api/v1/workspaces/{wid}/channels/{channel.id}/test"

    resp = api(desk.member).post(path)

    assert resp.get_json() == {
        "ok": False,
        "error": {"code": "auth_error", "message": "The access token is invalid", "fields": {}},
    }
    assert desk.reload(channel).status == ChannelStatus.NEEDS_REAUTH
    editor = auth.user(workspace=desk.member.workspace, role=Role.EDITOR)
    helper = auth.user(workspace=desk.member.workspace, role=Role.CONTRIBUTOR)
    stranger = auth.user()
    assert api(editor).post(path).status_code == 200
    assert api(helper).post(path).status_code == 403
    assert api(stranger).post(path).status_code == 404


def test_channel_test_of_an_unreachable_webhook(api, desk: Desk) -> None:
    channel = desk.channel("webhook", {"url": closed_port_url() + "/hook"})
    wid = desk.member.workspace.id

    resp = api(desk.member).post(f"/api/v1/workspaces/{wid}/channels/{channel.id}/test")

    body = resp.get_json()
    assert body["ok"] is False
    assert body["error"]["code"] == "transient_error"
    assert "connection refused" in body["error"]["message"]
    assert desk.reload(channel).status == ChannelStatus.ERROR
