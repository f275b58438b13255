"""Each channel's own count decides whether a post fits: the check review and the composer use."""

from __future__ import annotations

from planner.connectors_app import get_connectors
from planner.models import Post, PostStatus, Role
from planner.services import outgoing
from planner.services import posts as post_service
from planner.timeutils import get_zone
from tests.conftest import NOW, Auth
from tests.factories import ahead, make_post
from tests.fakes import FakeBluesky, FakeMastodon
from tests.publishing.conftest import Desk


def problems(desk: Desk, post: Post) -> dict[int, str]:
    """What review checks: each channel's own count of the text as it will be sent."""
    ids = post_service.channel_ids_for(session=desk.session, post_ids=[post.id])[post.id]
    texts = outgoing.texts_for(
        post,
        outgoing.channels_of(session=desk.session, channel_ids=ids),
        workspace=desk.member.workspace,
        connectors=get_connectors(desk.app),
        now=NOW,
    )
    return {t.channel.id: t.problem for t in texts if t.problem}


def test_length_problems_name_each_channel_over_its_limit(
    desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    sky = desk.bluesky(fake_bluesky)
    outbox = desk.channel("outbox", {})
    # 320 graphemes: too long for Bluesky (300), fine for Mastodon (500) and the outbox.
    post = desk.approved_post([toots, sky, outbox], body="👍🏽" * 320)

    found = problems(desk, post)

    assert found == {sky.id: "320 of 300 characters on Bluesky"}


def test_a_long_post_is_over_on_every_short_channel(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    post = desk.approved_post([toots], body="x" * 501)

    found = problems(desk, post)

    assert found == {toots.id: "501 of 500 characters on Mastodon"}


def _tag_links(desk: Desk) -> None:
    ws = desk.member.workspace
    utm = {"enabled": True, "medium": "social", "campaign": "{month}", "domains": ["shop.example"]}
    ws.settings = {**(ws.settings or {}), "utm": utm}
    desk.session.add(ws)
    desk.session.commit()


def test_too_long_for_bluesky_cannot_be_submitted_or_approved_through_the_api(
    api, auth: Auth, desk: Desk, fake_bluesky: FakeBluesky
) -> None:
    sky = desk.bluesky(fake_bluesky)
    post = make_post(desk.session, desk.member, at=ahead(2), channels=[sky.id], body="a" * 301)
    client = api(desk.member)

    for action in ("submit", "approve"):
        resp = client.post(f"/api/v1/posts/{post.id}/{action}", json={})
        assert resp.status_code == 422, action
        error = resp.get_json()["error"]
        assert error["code"] == "validation_error"
        assert "301 of 300 characters on Bluesky" in error["fields"]["body"]
    assert desk.post(post).status == PostStatus.DRAFT
    assert desk.deliveries(post) == []

    # One character fewer fits, and goes through.
    resp = client.patch(f"/api/v1/posts/{post.id}", json={"body": "a" * 300})
    assert resp.status_code == 200
    assert client.post(f"/api/v1/posts/{post.id}/submit", json={}).status_code == 200
    editor = auth.user("ed@example.com", workspace=desk.member.workspace, role=Role.EDITOR)
    assert api(editor).post(f"/api/v1/posts/{post.id}/approve", json={}).status_code == 200
    assert desk.post(post).status == PostStatus.APPROVED


def test_the_tagged_link_counts_towards_the_limit(
    api, desk: Desk, fake_bluesky: FakeBluesky
) -> None:
    sky = desk.bluesky(fake_bluesky)
    link = "https://shop.example/bread"
    # Body, newline and the clean link make exactly 300 graphemes: it fits untagged.
    body = "b" * (300 - 1 - len(link))
    post = make_post(
        desk.session, desk.member, at=ahead(2), channels=[sky.id], body=body, link=link
    )
    ws = desk.member.workspace
    assert problems(desk, post) == {}
    _tag_links(desk)
    found = problems(desk, post)
    month = f"{post.scheduled_at.astimezone(get_zone(ws.timezone)):%Y-%m}"
    tags = "?utm_source=bluesky&utm_medium=social&utm_campaign=" + month
    assert found == {sky.id: f"{300 + len(tags)} of 300 characters on Bluesky"}
    resp = api(desk.member).post(f"/api/v1/posts/{post.id}/submit", json={})
    assert resp.status_code == 422


def test_the_web_approve_button_refuses_a_post_too_long_and_says_why(
    auth: Auth, desk: Desk, fake_bluesky: FakeBluesky
) -> None:
    sky = desk.bluesky(fake_bluesky)
    post = make_post(desk.session, desk.member, at=ahead(2), channels=[sky.id], body="🥐" * 305)
    client = auth.login(desk.app.test_client(), desk.member)

    resp = client.post(f"/posts/{post.id}/approve", follow_redirects=True)

    assert resp.status_code == 200
    assert "305 of 300 characters on Bluesky" in resp.get_data(as_text=True)
    assert desk.post(post).status == PostStatus.DRAFT
