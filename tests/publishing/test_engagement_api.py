"""A post's figures over the API and on its page, and "Refresh now" against the fakes."""

from __future__ import annotations

from datetime import timedelta

from planner.publishing import engagement_job
from tests.conftest import NOW, Auth
from tests.fakes import FakeBluesky, FakeMastodon
from tests.publishing.conftest import Desk

H = timedelta(hours=1)


def published_on_both(desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky):
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    sky = desk.bluesky(fake_bluesky, "Sky")
    outbox = desk.channel("outbox", {}, "Box")
    post = desk.approved_post([toots, sky, outbox])
    desk.tick(NOW)
    ids = {d.channel_id: d.external_id for d in desk.deliveries(post)}
    return post, toots, sky, outbox, ids


def test_get_lists_each_channel_with_its_history(
    api, desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    post, toots, sky, outbox, ids = published_on_both(desk, fake_mastodon, fake_bluesky)
    fake_mastodon.set_counts(ids[toots.id], replies=1, favourites=2)
    fake_bluesky.set_counts(ids[sky.id], replyCount=5, quoteCount=2)
    engagement_job.run(desk.app, now=NOW)
    engagement_job.run(desk.app, now=NOW + H + timedelta(minutes=1))
    fake_mastodon.set_counts(ids[toots.id], replies=3, favourites=1)
    engagement_job.run(desk.app, now=NOW + 6 * H + timedelta(minutes=1))

    resp = api(desk.member).get(f"/api/v1/posts/{post.id}/engagement")

    assert resp.status_code == 200
    rows = {row["channel_id"]: row for row in resp.get_json()["channels"]}
    mast = rows[toots.id]
    assert (mast["replies"], mast["reposts"], mast["quotes"], mast["likes"]) == (3, 0, 0, 1)
    assert mast["read_at"].startswith((NOW + 6 * H).strftime("%Y-%m-%dT%H:"))
    assert [(h["replies"], h["likes"]) for h in mast["history"]] == [(1, 2), (3, 1)]
    assert mast["available"] and mast["state"] == "scheduled"
    assert (rows[sky.id]["replies"], rows[sky.id]["quotes"]) == (5, 2)
    box = rows[outbox.id]
    assert box["available"] is False and box["history"] == [] and box["read_at"] is None


def test_refresh_reads_now_and_answers_the_same_body(
    api, desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    post, toots, sky, outbox, ids = published_on_both(desk, fake_mastodon, fake_bluesky)
    fake_mastodon.set_counts(ids[toots.id], reblogs=4)
    fake_bluesky.set_counts(ids[sky.id], likeCount=8)
    client = api(desk.member)

    resp = client.post(f"/api/v1/posts/{post.id}/engagement/refresh")

    assert resp.status_code == 200
    body = resp.get_json()
    rows = {row["channel_id"]: row for row in body["channels"]}
    assert rows[toots.id]["reposts"] == 4 and rows[sky.id]["likes"] == 8
    assert len(rows[toots.id]["history"]) == 1
    assert "error" not in rows[toots.id]
    assert client.get(f"/api/v1/posts/{post.id}/engagement").get_json() == body
    assert len(fake_mastodon.requests_to("/api/v1/statuses/", "GET")) == 1


def test_refresh_of_a_deleted_post_says_so_and_stops_its_schedule(
    api, desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    post, toots, sky, outbox, ids = published_on_both(desk, fake_mastodon, fake_bluesky)
    engagement_job.run(desk.app, now=NOW)  # enrolled
    fake_mastodon.delete_status(ids[toots.id] or "")

    body = api(desk.member).post(f"/api/v1/posts/{post.id}/engagement/refresh").get_json()

    rows = {row["channel_id"]: row for row in body["channels"]}
    assert "Record not found" in rows[toots.id]["error"]
    assert rows[toots.id]["state"] == "deleted"
    assert engagement_job.run(desk.app, now=NOW + H + timedelta(minutes=1)) == 1  # Bluesky only
    assert len(fake_mastodon.requests_to("/api/v1/statuses/", "GET")) == 1


def test_other_workspaces_posts_are_404(
    api, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    post, *_ = published_on_both(desk, fake_mastodon, fake_bluesky)
    stranger = api(auth.user())
    assert stranger.get(f"/api/v1/posts/{post.id}/engagement").status_code == 404
    assert stranger.post(f"/api/v1/posts/{post.id}/engagement/refresh").status_code == 404
    assert fake_mastodon.requests_to("/api/v1/statuses/", "GET") == []


def test_post_page_shows_figures_and_refresh_now(
    client, auth: Auth, desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    post, toots, sky, outbox, ids = published_on_both(desk, fake_mastodon, fake_bluesky)
    fake_mastodon.set_counts(ids[toots.id], replies=6, favourites=11)
    auth.login(client, desk.member)

    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Engagement" in page and "Refresh now" in page
    assert "This platform gives no figures." in page  # the outbox
    assert "No figures yet" in page

    resp = client.post(f"/posts/{post.id}/engagement/refresh")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#engagement")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "6 replies · 0 reposts · 0 quotes · 11 likes" in page
    assert "Figures read just now." in page
