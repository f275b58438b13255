"""The worker against the fake platforms on loopback: outcomes, retries, waits and recoveries."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from planner.connectors_app import get_connectors
from planner.models import AuditEvent, ChannelStatus, Delivery, Notification, PostStatus
from planner.publishing import claims
from planner.publishing.attempt import publish_one
from planner.publishing.context import build
from planner.publishing.runner import start_background_worker
from planner.publishing.worker import request_stop, stop_event
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services.posts import PostInput
from planner.timeutils import utcnow
from tests.conftest import NOW
from tests.fakes import FakeBluesky, FakeMastodon, FakeWebhook, closed_port_url
from tests.publishing.conftest import Desk

STATUSES = "/api/v1/statuses"


def mastodon(desk: Desk, fake: FakeMastodon, token: str = "test-token"):
    return desk.channel("mastodon", {"instance_url": fake.url, "access_token": token})


def webhook(desk: Desk, fake: FakeWebhook, format: str = "generic"):
    return desk.channel("webhook", {"url": fake.url_for(format), "format": format})


def actions(desk: Desk, post_id: int | None = None) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    if post_id is not None:
        stmt = stmt.where(AuditEvent.post_id == post_id)
    return list(desk.session.exec(stmt))


def test_outbox_post_is_written_and_published(desk: Desk) -> None:
    outbox = desk.channel("outbox", {})
    post = desk.approved_post([outbox], body="Cinnamon knots are back")

    assert desk.tick() == 1

    delivery = desk.delivery(post)
    assert delivery.status == "published"
    assert delivery.attempts == 1
    assert delivery.external_id == f"outbox:{delivery.id}"
    assert delivery.published_at is not None and delivery.published_at >= NOW
    assert delivery.claimed_by is None and delivery.lease_expires_at is None
    assert desk.post(post).status == PostStatus.PUBLISHED
    path = Path(desk.app.instance_path) / "outbox" / f"channel-{outbox.id}.jsonl"
    [line] = path.read_text().splitlines()
    assert json.loads(line)["text"] == "Cinnamon knots are back"
    assert actions(desk, post.id) == ["publishing", "delivery_published", "published"]


def test_the_sent_link_is_tagged_and_the_stored_draft_keeps_it_clean(desk: Desk) -> None:
    ws = desk.member.workspace
    utm = {"enabled": True, "medium": "social", "campaign": "{month}", "domains": ["shop.example"]}
    ws.settings = {**(ws.settings or {}), "utm": utm}
    desk.session.add(ws)
    outbox = desk.channel("outbox", {})
    post = desk.approved_post([outbox], body="Rye is back: https://shop.example/rye")
    post.link = "https://shop.example/rye"
    desk.session.add(post)
    desk.session.commit()

    assert desk.tick() == 1

    path = Path(desk.app.instance_path) / "outbox" / f"channel-{outbox.id}.jsonl"
    [line] = path.read_text().splitlines()
    sent = json.loads(line)
    tagged = (
        f"https://shop.example/rye?utm_source=outbox&utm_medium=social&utm_campaign={NOW:%Y-%m}"
    )
    # The quoted link is replaced in place, not repeated under the text.
    assert sent["text"] == f"Rye is back: {tagged}"
    assert desk.post(post).link == "https://shop.example/rye"
    assert desk.post(post).body == "Rye is back: https://shop.example/rye"


def test_nothing_is_sent_before_its_time(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)], at=NOW + timedelta(minutes=5))

    assert desk.tick(NOW) == 0
    assert fake_webhook.posts == []
    assert desk.delivery(post).status == "queued"
    assert desk.tick(NOW + timedelta(minutes=5)) == 1
    assert len(fake_webhook.posts) == 1


def test_webhook_receives_the_post_once(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)], body="Soup today")

    desk.tick()
    desk.tick(NOW + timedelta(seconds=5))

    [message] = fake_webhook.posts
    delivery = desk.delivery(post)
    assert message["json"]["text"] == "Soup today"
    assert message["json"]["idempotency_key"] == delivery.idempotency_key
    assert delivery.status == "published"
    assert delivery.external_id == message["id"]


def test_mastodon_post_links_to_the_status(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    channel = mastodon(desk, fake_mastodon)
    post = desk.approved_post([channel])

    desk.tick()

    delivery = desk.delivery(post)
    [status] = fake_mastodon.posts
    assert delivery.status == "published"
    assert delivery.external_id == status["id"]
    assert delivery.external_url == status["url"]
    # The server's limits were learnt on the way and kept, sealed, for the composer's counter.
    saved = desk.reload(channel)
    assert get_connectors(desk.app).box.open(saved.state)["max_characters"] == 500


def test_401_marks_the_channel_and_the_delivery_waits(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    channel = mastodon(desk, fake_mastodon, token="revoked-token")
    post = desk.approved_post([channel])

    desk.tick()

    delivery = desk.delivery(post)
    assert desk.reload(channel).status == ChannelStatus.NEEDS_REAUTH
    assert desk.reload(channel).status_detail == "The access token is invalid"
    assert delivery.status == "queued"
    assert delivery.attempts == 0  # a refused token does not use up an attempt
    assert delivery.last_error == "The access token is invalid"
    assert "channel_needs_reauth" in actions(desk)

    # While the channel needs reconnecting, nothing more is tried.
    requests_before = len(fake_mastodon.requests_to(STATUSES))
    assert desk.tick(NOW + timedelta(minutes=1)) == 0
    assert len(fake_mastodon.requests_to(STATUSES)) == requests_before

    channel_service.reconnect_channel(
        session=desk.session,
        acc=desk.acc,
        channel_id=channel.id,
        config={"access_token": "test-token"},
        connectors=get_connectors(desk.app),
        now=NOW,
    )
    desk.session.commit()
    assert desk.tick(NOW + timedelta(minutes=2)) == 1
    assert desk.delivery(post).status == "published"
    assert len(fake_mastodon.posts) == 1
    assert desk.post(post).status == PostStatus.PUBLISHED


def test_422_fails_with_the_platforms_words(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    post = desk.approved_post([mastodon(desk, fake_mastodon)])
    fake_mastodon.fail_next(422, {"error": "Validation failed: Text can't be blank"}, path=STATUSES)

    desk.tick()

    delivery = desk.delivery(post)
    assert delivery.status == "failed"
    assert delivery.last_error == "Validation failed: Text can't be blank"
    assert desk.post(post).status == PostStatus.FAILED
    assert "publish_failed" in actions(desk, post.id)
    [note] = desk.session.exec(select(Notification).where(Notification.post_id == post.id))
    assert note.kind == "publish_failed"
    assert "Text can't be blank" in note.message
    [mail] = (Path(desk.app.instance_path) / "mail").glob("*.eml")
    assert f"/posts/{post.id}" in mail.read_text()  # the email links to the failed post


def test_429_waits_for_retry_after(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.fail_next(429, {"error": "slow down"}, {"Retry-After": "600"})

    desk.tick()

    delivery = desk.delivery(post)
    assert delivery.status == "retrying"
    assert delivery.attempts == 1
    assert delivery.last_error == "slow down"
    wait = (delivery.next_attempt_at - NOW).total_seconds()
    assert 600 <= wait < 610  # Retry-After beats the first backoff step (30-60 s)
    assert desk.tick(NOW + timedelta(seconds=300)) == 0
    assert desk.tick(delivery.next_attempt_at) == 1
    assert desk.delivery(post).status == "published"
    assert desk.delivery(post).attempts == 2


def test_500_retries_with_growing_backoff(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.fail_next(503, {"error": "maintenance"}, times=2)

    desk.tick()
    delivery = desk.delivery(post)
    first = delivery.next_attempt_at
    assert delivery.status == "retrying"
    assert 30 <= (first - NOW).total_seconds() < 62

    desk.tick(first)
    delivery = desk.delivery(post)
    second = delivery.next_attempt_at
    assert delivery.status == "retrying"
    assert delivery.attempts == 2
    assert 60 <= (second - first).total_seconds() < 122

    desk.tick(second)
    assert desk.delivery(post).status == "published"
    assert len(fake_webhook.posts) == 1


def test_connection_refused_is_retried(desk: Desk) -> None:
    channel = desk.channel("webhook", {"url": closed_port_url() + "/hook", "format": "generic"})
    post = desk.approved_post([channel])

    desk.tick()

    delivery = desk.delivery(post)
    assert delivery.status == "retrying"
    assert "connection refused" in delivery.last_error


def test_gives_up_after_max_attempts(desk: Desk, fake_webhook: FakeWebhook) -> None:
    desk.app.config.update(MAX_ATTEMPTS=3, RETRY_BASE_SECONDS=1)
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.fail_next(500, {"error": "down"}, times=10)

    now = NOW
    for _ in range(3):
        desk.tick(now)
        now = now + timedelta(seconds=10)

    delivery = desk.delivery(post)
    assert delivery.status == "failed"
    assert delivery.attempts == 3
    assert delivery.last_error == "Gave up after 3 attempts: down"
    assert desk.post(post).status == PostStatus.FAILED


def test_lost_reply_is_unconfirmed_for_a_webhook(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.reset_next()

    desk.tick()
    desk.tick(NOW + timedelta(minutes=10))

    delivery = desk.delivery(post)
    assert delivery.status == "unconfirmed"
    assert "may or may not" in delivery.last_error
    assert len(fake_webhook.posts) == 1  # it did land, and it was not sent again
    assert desk.post(post).status == PostStatus.FAILED


def test_slow_webhook_is_unconfirmed(desk: Desk, fake_webhook: FakeWebhook) -> None:
    desk.app.config.update(CONNECTOR_TIMEOUT_SECONDS=0.3)
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.delay_next(2)

    desk.tick()

    assert desk.delivery(post).status == "unconfirmed"


def test_lost_reply_is_retried_on_mastodon_and_posted_once(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    post = desk.approved_post([mastodon(desk, fake_mastodon)])
    fake_mastodon.reset_next(path=STATUSES)

    desk.tick()
    delivery = desk.delivery(post)
    assert delivery.status == "retrying"
    desk.tick(delivery.next_attempt_at)

    delivery = desk.delivery(post)
    assert delivery.status == "published"
    assert len(fake_mastodon.posts) == 1  # the Idempotency-Key made the retry a no-op
    keys = {r.headers["idempotency-key"] for r in fake_mastodon.requests_to(STATUSES)}
    assert keys == {delivery.idempotency_key}


def test_slow_mastodon_is_retried(desk: Desk, fake_mastodon: FakeMastodon) -> None:
    desk.app.config.update(CONNECTOR_TIMEOUT_SECONDS=0.3)
    post = desk.approved_post([mastodon(desk, fake_mastodon)])
    fake_mastodon.delay_next(2, path=STATUSES)

    desk.tick()
    delivery = desk.delivery(post)
    assert delivery.status == "retrying"
    desk.tick(delivery.next_attempt_at)

    assert desk.delivery(post).status == "published"
    assert len(fake_mastodon.posts) == 1


def test_bluesky_session_is_kept_between_posts(desk: Desk, fake_bluesky: FakeBluesky) -> None:
    channel = desk.bluesky(fake_bluesky)
    first = desk.approved_post([channel], body="One")
    second = desk.approved_post([channel], at=NOW + timedelta(minutes=1), body="Two")

    desk.tick()
    desk.tick(NOW + timedelta(minutes=1))

    assert [desk.delivery(p).status for p in (first, second)] == ["published", "published"]
    assert fake_bluesky.sessions_created == 1
    delivery = desk.delivery(second)
    assert delivery.external_url.endswith(f"/post/{delivery.idempotency_key}")
    # The session is kept encrypted: the stored state shows neither token nor the password.
    stored = desk.reload(channel)
    tokens = [*fake_bluesky._access, *fake_bluesky._refresh]
    assert tokens and not any(t in stored.state for t in tokens)
    assert fake_bluesky.password not in stored.secrets
    assert get_connectors(desk.app).box.open(stored.state)["accessJwt"] in tokens


def test_credentials_never_reach_the_logs(
    desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}
    )
    sky = desk.bluesky(fake_bluesky)
    fake_mastodon.token = "revoked"  # the worker's request is refused with 401
    fake_bluesky.fail_next(500, {"error": "InternalServerError", "message": "Try again"})
    desk.approved_post([toots, sky], body="Logged but not leaked")
    desk.tick()
    assert "401" in caplog.text or "access token" in caplog.text.lower()
    for secret in ("test-token", fake_bluesky.password, *fake_bluesky._access):
        assert secret not in caplog.text


def test_one_channel_failing_fails_the_post_and_keeps_the_other(
    desk: Desk, fake_webhook: FakeWebhook, fake_mastodon: FakeMastodon
) -> None:
    good = webhook(desk, fake_webhook)
    bad = mastodon(desk, fake_mastodon)
    post = desk.approved_post([good, bad])
    fake_mastodon.fail_next(422, {"error": "Validation failed: nope"}, path=STATUSES)

    desk.tick()

    by_channel = {d.channel_id: d.status for d in desk.deliveries(post)}
    assert by_channel == {good.id: "published", bad.id: "failed"}
    assert desk.post(post).status == PostStatus.FAILED


def test_too_late_becomes_missed_and_is_never_sent(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)], at=NOW - timedelta(minutes=61))

    assert desk.tick() == 0

    delivery = desk.delivery(post)
    assert delivery.status == "missed"
    assert "60 minutes" in delivery.last_error
    assert fake_webhook.posts == []
    assert desk.post(post).status == PostStatus.MISSED


def test_workspace_lateness_setting_is_used(desk: Desk, fake_webhook: FakeWebhook) -> None:
    workspace = desk.member.workspace
    workspace.settings = {"allowed_lateness_minutes": 180}
    desk.session.add(workspace)
    desk.session.commit()
    post = desk.approved_post([webhook(desk, fake_webhook)], at=NOW - timedelta(minutes=90))

    desk.tick()

    assert desk.delivery(post).status == "published"


def test_retry_that_would_be_too_late_is_missed(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    fake_webhook.fail_next(429, {"error": "slow down"}, {"Retry-After": "7200"})

    desk.tick()

    delivery = desk.delivery(post)
    assert delivery.status == "missed"
    assert "slow down" in delivery.last_error
    assert desk.post(post).status == PostStatus.MISSED


def test_deleted_post_is_never_sent(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)], at=NOW + timedelta(minutes=5))

    post_service.delete_post(session=desk.session, acc=desk.acc, post_id=post.id, now=NOW)
    desk.session.commit()

    assert desk.tick(NOW + timedelta(minutes=5)) == 0
    assert fake_webhook.posts == []
    assert desk.session.exec(select(Delivery)).all() == []


def test_edited_post_is_never_sent_in_its_old_version(
    desk: Desk, fake_webhook: FakeWebhook
) -> None:
    channel = webhook(desk, fake_webhook)
    post = desk.approved_post([channel], at=NOW + timedelta(minutes=5), body="Old price £5")

    post_service.update_post(
        session=desk.session,
        acc=desk.acc,
        post_id=post.id,
        data=PostInput(
            body="New price £6",
            category="promotional",
            scheduled_at=NOW + timedelta(minutes=5),
            channel_ids=(channel.id,),
        ),
        now=NOW,
    )
    desk.session.commit()

    assert desk.tick(NOW + timedelta(minutes=5)) == 0
    assert fake_webhook.posts == []
    assert desk.delivery(post).status == "cancelled"


def test_post_changed_between_claim_and_send_is_not_sent(
    desk: Desk, fake_webhook: FakeWebhook
) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    ids = claims.claim_due(
        desk.session, now=NOW, limit=10, lease=timedelta(minutes=2), token="test-claim"
    )
    desk.session.commit()
    # An edit lands after the claim: the post goes back to review.
    fresh = desk.post(post)
    fresh.status = PostStatus.IN_REVIEW
    desk.session.add(fresh)
    desk.session.commit()

    assert publish_one(build(desk.app, now=NOW), ids[0], "test-claim") is False

    assert fake_webhook.posts == []
    assert desk.delivery(post).status == "cancelled"


def test_a_claim_is_only_won_once(desk: Desk, fake_webhook: FakeWebhook) -> None:
    desk.approved_post([webhook(desk, fake_webhook)])
    lease = timedelta(minutes=2)

    first = claims.claim_due(desk.session, now=NOW, limit=10, lease=lease, token="a")
    second = claims.claim_due(desk.session, now=NOW, limit=10, lease=lease, token="b")
    desk.session.commit()

    assert len(first) == 1
    assert second == []


def test_expired_lease_is_unconfirmed_for_a_webhook(desk: Desk, fake_webhook: FakeWebhook) -> None:
    post = desk.approved_post([webhook(desk, fake_webhook)])
    claims.claim_due(desk.session, now=NOW, limit=10, lease=timedelta(minutes=2), token="gone")
    desk.session.commit()

    assert desk.tick(NOW + timedelta(minutes=1)) == 0  # the lease still holds
    assert desk.delivery(post).status == "publishing"
    desk.tick(NOW + timedelta(minutes=3))

    delivery = desk.delivery(post)
    assert delivery.status == "unconfirmed"
    assert fake_webhook.posts == []
    assert desk.post(post).status == PostStatus.FAILED


def test_expired_lease_is_retried_where_duplicates_are_dropped(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    post = desk.approved_post([mastodon(desk, fake_mastodon)])
    claims.claim_due(desk.session, now=NOW, limit=10, lease=timedelta(minutes=2), token="gone")
    desk.session.commit()

    desk.tick(NOW + timedelta(minutes=3))

    delivery = desk.delivery(post)
    assert delivery.status == "published"
    assert delivery.attempts == 2
    assert len(fake_mastodon.posts) == 1


def test_stop_request_stops_claiming(desk: Desk) -> None:
    post = desk.approved_post([desk.channel("outbox", {})])
    request_stop(desk.app)
    try:
        assert desk.tick() == 0
    finally:
        stop_event(desk.app).clear()
    assert desk.delivery(post).status == "queued"


def test_stopping_lets_the_publish_under_way_finish(desk: Desk, fake_webhook: FakeWebhook) -> None:
    desk.app.config.update(WORKER_TICK_SECONDS=0.1)
    post = desk.approved_post([webhook(desk, fake_webhook)], at=utcnow() - timedelta(seconds=1))
    fake_webhook.delay_next(1.0)
    handle = start_background_worker(desk.app)
    try:
        deadline = time.monotonic() + 10
        while not fake_webhook.requests and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        handle.stop(wait=True)

    assert desk.delivery(post).status == "published"
    assert len(fake_webhook.posts) == 1


def test_waiting_for_reconnection_past_the_lateness_is_missed(
    desk: Desk, fake_mastodon: FakeMastodon
) -> None:
    post = desk.approved_post([mastodon(desk, fake_mastodon, token="revoked-token")])
    desk.tick()
    assert desk.delivery(post).status == "queued"

    desk.tick(NOW + timedelta(minutes=61))

    delivery = desk.delivery(post)
    assert delivery.status == "missed"
    assert "Last error: The access token is invalid" in delivery.last_error
    assert desk.post(post).status == PostStatus.MISSED
    assert fake_mastodon.posts == []
