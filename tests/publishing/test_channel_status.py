"""A channel keeps the result of its last connection test: a failure shows and holds approvals."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import select

from planner.models import AuditEvent, ChannelStatus, PostStatus
from planner.services import channels as channel_service
from planner.services import review
from planner.services.errors import ValidationError
from planner.timeutils import utcnow
from tests.conftest import Auth
from tests.factories import ahead, make_post
from tests.fakes import FakeMastodon
from tests.fakes.server import closed_port_url
from tests.publishing.conftest import Desk

VERIFY = "/api/v1/accounts/verify_credentials"


def _toots(desk: Desk, fake: FakeMastodon):
    return desk.channel(
        "mastodon", {"instance_url": fake.url, "access_token": "test-token"}, "Toots"
    )


def _check(desk: Desk, channel, connectors):
    result = channel_service.check_channel(
        session=desk.session,
        acc=desk.acc,
        channel_id=channel.id,
        connectors=connectors,
        now=utcnow(),
    )
    desk.session.commit()
    return result


def test_a_failed_test_marks_the_channel_and_a_passing_one_clears_it(
    desk: Desk, connectors, fake_mastodon: FakeMastodon
) -> None:
    toots = _toots(desk, fake_mastodon)
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path=VERIFY)

    failed = _check(desk, toots, connectors)

    assert failed.ok is False
    channel = desk.reload(toots)
    assert channel.status == ChannelStatus.ERROR
    assert channel.status_detail == failed.error["message"]
    assert channel.status_detail

    assert _check(desk, toots, connectors).ok is True
    channel = desk.reload(toots)
    assert (channel.status, channel.status_detail) == (ChannelStatus.OK, "")
    actions = [e.action for e in desk.session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["channel_test_failed", "channel_test_passed"]


def test_refused_credentials_stay_needs_reauth_whatever_fails_next(
    desk: Desk, connectors, fake_mastodon: FakeMastodon
) -> None:
    toots = _toots(desk, fake_mastodon)
    fake_mastodon.token = "revoked"
    _check(desk, toots, connectors)
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path=VERIFY)

    _check(desk, toots, connectors)

    assert desk.reload(toots).status == ChannelStatus.NEEDS_REAUTH


def test_approving_for_a_channel_whose_test_failed_is_refused_naming_it(
    desk: Desk, connectors, fake_mastodon: FakeMastodon
) -> None:
    toots = _toots(desk, fake_mastodon)
    post = make_post(
        desk.session, desk.member, at=ahead(), channels=[toots.id], status=PostStatus.IN_REVIEW
    )
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path=VERIFY)
    _check(desk, toots, connectors)

    with pytest.raises(ValidationError) as refused:
        review.approve(
            session=desk.session, acc=desk.acc, post_id=post.id, connectors=connectors, now=utcnow()
        )
    desk.session.rollback()

    assert refused.value.message.startswith("Toots failed its last connection test: ")
    assert "once a test passes on the Channels page" in refused.value.message
    assert "channel_ids" in refused.value.fields
    assert desk.post(post).status == PostStatus.IN_REVIEW

    _check(desk, toots, connectors)
    review.approve(
        session=desk.session, acc=desk.acc, post_id=post.id, connectors=connectors, now=utcnow()
    )
    desk.session.commit()
    assert desk.post(post).status == PostStatus.APPROVED


def test_the_api_lists_the_error_status(api, desk: Desk, fake_mastodon: FakeMastodon) -> None:
    toots = _toots(desk, fake_mastodon)
    wid = desk.member.workspace.id
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path=VERIFY)
    client = api(desk.member)

    assert (
        client.post(f"/api/v1/workspaces/{wid}/channels/{toots.id}/test").get_json()["ok"] is False
    )

    [listed] = client.get(f"/api/v1/workspaces/{wid}/channels").get_json()["channels"]
    assert listed["status"] == "error"


def test_the_channels_page_shows_the_failure_in_full_sentences(
    client: FlaskClient, auth: Auth, desk: Desk
) -> None:
    hook = desk.channel("webhook", {"url": closed_port_url() + "/hook"}, "Shop hook")
    web = auth.login(client, desk.member)
    assert 'status-published">ok<' in web.get("/channels/").get_data(as_text=True)

    page = web.post(f"/channels/{hook.id}/test", follow_redirects=True).get_data(as_text=True)

    detail = desk.reload(hook).status_detail
    assert detail and not detail.endswith(".")
    assert f"The test failed: {detail}." in page
    assert "connection test failed</span>" in page
    assert 'status-published">ok<' not in page

    added = web.post(
        "/channels/new",
        data={"name": "Other hook", "platform": "webhook", "url": closed_port_url() + "/x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "But the connection test failed: " in added
    assert ". Check its settings." in added
